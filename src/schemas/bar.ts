import { z } from "@hono/zod-openapi";
import type { Bar } from "../providers/history";
import { IsoTimeSchema, ProviderNameSchema } from "./common";

export const BarSchema = z
  .object({
    timestamp: IsoTimeSchema.openapi({ description: "The bar's start" }),
    open: z.number(),
    high: z.number(),
    low: z.number(),
    close: z.number().openapi({ description: "The close as the provider reports it" }),
    volume: z.number().nullable().openapi({ description: "As the provider says (0 stays 0); null when it says nothing" }),
    adjusted_close: z.number().nullable().openapi({ description: "Where the provider gives one, else null" }),
  })
  .openapi("Bar");

export const SpanSchema = z.object({ from: IsoTimeSchema, to: IsoTimeSchema }).openapi("TimeRange");

export const BarsSchema = z
  .object({
    symbol: z.string().openapi({ example: "AAPL" }),
    provider: ProviderNameSchema,
    interval: z.string().openapi({ example: "1d" }),
    source: z.enum(["provider", "points"]),
    bars: z.array(BarSchema).openapi({ description: "Oldest first; from ≤ timestamp < to" }),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null at the end" }),
    backfill: z
      .object({
        missing: z.array(SpanSchema),
        requests: z.number().int().openapi({ description: "Provider requests a backfill of the missing ranges would make" }),
        message: z.string(),
      })
      .nullable()
      .openapi({
        description:
          "Set when the store lacks part of the range and this call did not ask the provider (it needs more requests than one call makes, or the client has no API key while API_KEYS is set): what the store lacks (POST /prices/backfill fills it)",
      }),
  })
  .openapi("Bars");

export function barBody(bar: Bar): z.infer<typeof BarSchema> {
  return {
    timestamp: new Date(bar.timestamp).toISOString(),
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
    adjusted_close: bar.adjustedClose,
  };
}
