import { priceUpdated } from "../events/price-events";
import type { Quote, RawResponse } from "../providers/provider";
import type { PriceEvent } from "../schemas/price-event";
import type { Database } from "../store/db";
import { storePoints, type StoredRaw } from "../store/prices";

/** A quote as it was recorded: whether it was new, and the event that announced it. */
export interface RecordedQuote {
  quote: Quote;
  rawResponseId: string;
  /** Present when the point was new (and so its event was written to the outbox). */
  event?: PriceEvent;
}

/** Give a raw response its id and the symbols it answered for. */
export function identifyRaw(raw: RawResponse, symbols: readonly string[]): StoredRaw {
  return { ...raw, id: crypto.randomUUID(), symbols };
}

/**
 * The one write path of a price, used by the latest-price path, manual polls, polling loops and batch
 * rounds alike: point (deduped) + outbox event in one D1 batch, with the raw response unless a batch round
 * stored it already (once for all its symbols).
 */
export async function recordQuote(db: Database, quote: Quote, raw: RawRef, rawToStore?: StoredRaw): Promise<RecordedQuote> {
  const event = priceUpdated(quote, raw.id);
  const written = await storePoints(
    db,
    [{ quote, rawResponseId: raw.id, eventId: event.event_id, eventPayload: JSON.stringify(event) }],
    rawToStore,
  );
  return written.has(event.event_id) ? { quote, rawResponseId: raw.id, event } : { quote, rawResponseId: raw.id };
}

/** A raw response by id, as far as the points that came from it need to know. */
export interface RawRef {
  id: string;
  /** When the provider's answer arrived, epoch ms. */
  fetchedAt: number;
}
