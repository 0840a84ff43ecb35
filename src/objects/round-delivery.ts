import type { LatestQuote } from "../providers/provider";
import type { PriceEvent } from "../schemas/price-event";
import type { PricePointRow } from "../store/prices";

/**
 * What a batch round and a symbol object say to each other so that a round's new points reach the sink and D1
 * in a few requests for all its symbols, instead of a sink request and a D1 write per symbol object
 * (src/coordinator/round-delivery.ts; src/symbol/delivery.ts and history-flush.ts):
 *   - handing a quote over, the round passes what it did with what the object lent it last (`confirmed`);
 *   - the object lends the round the new point's event when no older event of its own is waiting, and the
 *     point's row when no older point is waiting for D1; the round publishes and writes them with the others'
 *     and confirms them (in the next hand-out, or at once when none is coming soon);
 *   - what the round could not do it gives back at once; what is neither confirmed nor given back within the
 *     lend the object does itself. Either way the object's own cursors move only on a confirmation, and while
 *     something is lent the object sends nothing of its own, so a symbol's events still go out in order.
 */
export interface RoundHandOut {
  /** What the round takes over this time (it stops taking events while the sink fails, points while D1 does). */
  lend: { events: boolean; points: boolean };
  /** What the sink acknowledged and D1 stored of what this object lent the round last. */
  confirmed?: LentSeqs;
}

/** Seqs of the object's log: through which event (sink) and which point (D1). */
export interface LentSeqs {
  event?: number;
  point?: number;
}

/** What the object lent the round: the new point's event, its row, or both, with its place in the object's log. */
export interface LentPoint {
  seq: number;
  event?: PriceEvent;
  point?: PricePointRow;
}

/** What a symbol object made of a quote handed to it: the latest it now serves, and whether the quote was a new point. */
export interface IngestedQuote {
  latest: LatestQuote;
  /** False for a quote time it holds already: then the answer it came in brought nothing new for this symbol. */
  newPoint: boolean;
  /** What of the new point the object lent the batch round that handed the quote over. */
  lent?: LentPoint;
}
