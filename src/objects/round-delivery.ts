import type { LatestQuote } from "../providers/provider";
import type { PriceEvent } from "../schemas/price-event";

/**
 * What a batch round and a symbol object say to each other about delivering the object's events, so that a
 * round's new points reach the sink in a few requests for all its symbols instead of one request per symbol
 * object (src/coordinator/round-delivery.ts, src/symbol/delivery.ts):
 *   - handing a quote over, the round passes what the sink confirmed of the object's event it lent last round;
 *   - the object lends the round the event of the new point when nothing older of its own is waiting; the round
 *     publishes it with the others and confirms it (in the next hand-out, or at once when none is coming soon);
 *   - an event whose confirmation does not come within the lend is delivered by the object itself, in order.
 */
export interface RoundHandOut {
  /** Whether the round publishes the new point's event (it stops asking while the sink fails). */
  lend: boolean;
  /** The seq of this symbol's event the round lent last and the sink acknowledged. */
  confirmedThrough?: number;
}

/** An event the object lent the round to publish, with its place in the object's log. */
export interface LentEvent {
  seq: number;
  event: PriceEvent;
}

/** What a symbol object made of a quote handed to it: the latest it now serves, and whether the quote was a new point. */
export interface IngestedQuote {
  latest: LatestQuote;
  /** False for a quote time it holds already: then the answer it came in brought nothing new for this symbol. */
  newPoint: boolean;
  /** The new point's event, lent to the batch round that handed the quote over. */
  lent?: LentEvent;
}
