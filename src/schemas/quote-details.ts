import { z } from "@hono/zod-openapi";
import { MARKET_STATES, quoteDetails, type QuoteDetails } from "../providers/provider";

/**
 * API.md "Full quotes": what a price carries beyond symbol, price, timestamp and provider, each null where the
 * provider said nothing. One shape for latest, snapshot, history points, streams and events.
 */
export const quoteDetailFields = {
  currency: z.string().nullable().openapi({ example: "USD", description: "ISO 4217 currency of the prices, as the provider names it" }),
  open: z.number().nullable().openapi({ example: 244.15, description: "The current session's open" }),
  high: z.number().nullable().openapi({ example: 245.18, description: "The current session's high" }),
  low: z.number().nullable().openapi({ example: 241.84, description: "The current session's low" }),
  previous_close: z.number().nullable().openapi({ example: 244.6, description: "The previous session's close" }),
  change: z.number().nullable().openapi({ example: -0.13, description: "price − previous_close" }),
  change_percent: z.number().nullable().openapi({ example: -0.0531, description: "change / previous_close in percent (0.63 means 0.63 %)" }),
  volume: z.number().nullable().openapi({ example: 48158313, description: "The current session's volume" }),
  exchange: z.string().nullable().openapi({ example: "NMS", description: "The listing's exchange, in the provider's own code" }),
  market_state: z.enum(MARKET_STATES).nullable().openapi({ description: "Where the market was when the quote was fetched" }),
};

export type QuoteDetailsBody = { [K in keyof typeof quoteDetailFields]: z.infer<(typeof quoteDetailFields)[K]> };

/** The details of a quote as the API spells them (snake_case), null for each one it lacks. */
export function detailsBody(quote: Partial<QuoteDetails>): QuoteDetailsBody {
  const details = quoteDetails(quote);
  return {
    currency: details.currency,
    open: details.open,
    high: details.high,
    low: details.low,
    previous_close: details.previousClose,
    change: details.change,
    change_percent: details.changePercent,
    volume: details.volume,
    exchange: details.exchange,
    market_state: details.marketState,
  };
}
