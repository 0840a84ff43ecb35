import { z } from "@hono/zod-openapi";
import { quoteDetailFields } from "./quote-details";
import { SYMBOL_PATTERN } from "./symbol";

/**
 * The version of the `price.updated` event this code writes. Bump it (and keep reading the old one) only for a
 * change a consumer could trip over: a removed or renamed field, a changed meaning. New optional fields do not
 * need a new version.
 */
export const PRICE_EVENT_VERSION = 1 as const;

const utcTimestamp = z.iso.datetime();

/**
 * `price.updated`, published once per new price point (API.md, Events): topic `KAFKA_TOPIC`, key = symbol,
 * value = this object as JSON. Delivery is at least once; consumers dedupe on `event_id`.
 */
export const PriceEventSchema = z
  .object({
    event_id: z.uuid().openapi({ description: "Unique per price point; the same on every redelivery (dedupe on it)" }),
    type: z.literal("price.updated"),
    version: z.literal(PRICE_EVENT_VERSION),
    symbol: z.string().regex(SYMBOL_PATTERN).openapi({ example: "AAPL" }),
    price: z.number().openapi({ example: 181.45 }),
    timestamp: utcTimestamp.openapi({ description: "The provider's own quote time (UTC)", example: "2024-03-20T15:30:00Z" }),
    provider: z.string().min(1).openapi({ example: "yfinance" }),
    // Added in wave 2, optional so that events written before them still validate (the version stays 1).
    currency: quoteDetailFields.currency.optional(),
    open: quoteDetailFields.open.optional(),
    high: quoteDetailFields.high.optional(),
    low: quoteDetailFields.low.optional(),
    previous_close: quoteDetailFields.previous_close.optional(),
    change: quoteDetailFields.change.optional(),
    change_percent: quoteDetailFields.change_percent.optional(),
    volume: quoteDetailFields.volume.optional(),
    exchange: quoteDetailFields.exchange.optional(),
    market_state: quoteDetailFields.market_state.optional(),
    raw_response_id: z.string().min(1).openapi({ description: "The stored provider response this price came from" }),
    emitted_at: utcTimestamp.openapi({ description: "When the service created the event (UTC)", example: "2024-03-20T15:30:01.250Z" }),
  })
  .openapi("PriceEvent");

export type PriceEvent = z.infer<typeof PriceEventSchema>;
