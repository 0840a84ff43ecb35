import { z } from "@hono/zod-openapi";
import type { LatestQuote } from "../providers/provider";
import { IsoTimeSchema, ProviderNameSchema } from "./common";
import { detailsBody, quoteDetailFields } from "./quote-details";
import { NextCursorSchema } from "./cursor";

export const PriceSchema = z
  .object({
    symbol: z.string().openapi({ example: "AAPL" }),
    price: z.number().openapi({ example: 181.45 }),
    timestamp: IsoTimeSchema.openapi({ description: "The provider's own quote time" }),
    provider: ProviderNameSchema,
    ...quoteDetailFields,
  })
  .openapi("Price");

export type Price = z.infer<typeof PriceSchema>;

export function priceBody(quote: LatestQuote): Price {
  return {
    symbol: quote.symbol,
    price: quote.price,
    timestamp: new Date(quote.timestamp).toISOString(),
    provider: quote.provider,
    ...detailsBody(quote),
  };
}

export const PricePointSchema = z
  .object({ price: z.number(), timestamp: IsoTimeSchema, ...quoteDetailFields })
  .openapi("PricePoint");

export const HistorySchema = z
  .object({
    symbol: z.string(),
    provider: ProviderNameSchema,
    points: z.array(PricePointSchema).openapi({ description: "Newest first" }),
    next_cursor: NextCursorSchema,
  })
  .openapi("History");
