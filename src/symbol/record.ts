import { ApiError } from "../errors";
import { priceUpdated } from "../events/price-events";
import type { Quote } from "../providers/provider";
import type { PriceEvent } from "../schemas/price-event";
import type { Database } from "../store/db";
import { storePoints, type StoredRaw } from "../store/prices";

/** A failed write is retried by the client (or the next poll) after a short pause. */
const STORE_RETRY_AFTER_SECONDS = 5;

/** A raw response by id, as far as the points that came from it need to know. */
export interface RawRef {
  id: string;
  /** When the provider's answer arrived, epoch ms. */
  fetchedAt: number;
}

/** A quote to record; `rawToStore` is absent when a batch round stored the raw response already. */
export interface QuoteToRecord {
  quote: Quote;
  raw: RawRef;
  rawToStore?: StoredRaw;
}

/** A quote as it was recorded: whether it was new, and the event that announced it. */
export interface RecordedQuote {
  quote: Quote;
  rawResponseId: string;
  /** Present when the point was new (and so its event was written to the outbox). */
  event?: PriceEvent;
}

/**
 * The one write path of prices, used by the latest-price path, manual polls, polling loops and batch rounds
 * alike: points (deduped) + their outbox events + raw responses not stored yet, in one D1 batch, in order.
 */
export async function recordQuotes(db: Database, quotes: readonly QuoteToRecord[]): Promise<RecordedQuote[]> {
  const events = quotes.map(({ quote, raw }) => priceUpdated(quote, raw.id));
  const raws = [...new Map(quotes.flatMap(({ rawToStore }) => (rawToStore ? [[rawToStore.id, rawToStore] as const] : []))).values()];
  let written: Set<string>;
  try {
    written = await storePoints(
      db,
      quotes.map(({ quote, raw }, index) => ({
        quote,
        rawResponseId: raw.id,
        eventId: events[index]!.event_id,
        eventPayload: JSON.stringify(events[index]),
      })),
      raws,
    );
  } catch (error) {
    // D1 refusing or failing a write is the service being unable to take the price now, never a client's fault.
    console.error("storing price points failed", error);
    throw new ApiError("service_unavailable", "the price could not be stored just now; retry shortly", { retry_after: STORE_RETRY_AFTER_SECONDS });
  }
  return quotes.map(({ quote, raw }, index) => {
    const event = events[index]!;
    return written.has(event.event_id) ? { quote, rawResponseId: raw.id, event } : { quote, rawResponseId: raw.id };
  });
}
