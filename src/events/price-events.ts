import type { Quote } from "../providers/provider";
import { PRICE_EVENT_VERSION, type PriceEvent } from "../schemas/price-event";
import { detailsBody } from "../schemas/quote-details";

/** The one event this service publishes, built once per new price point. */
export function priceUpdated(quote: Quote, rawResponseId: string, emittedAt = Date.now()): PriceEvent {
  return {
    event_id: crypto.randomUUID(),
    type: "price.updated",
    version: PRICE_EVENT_VERSION,
    symbol: quote.symbol,
    price: quote.price,
    timestamp: new Date(quote.timestamp).toISOString(),
    provider: quote.provider,
    ...detailsBody(quote),
    raw_response_id: rawResponseId,
    emitted_at: new Date(emittedAt).toISOString(),
  };
}
