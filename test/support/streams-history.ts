/** What a stream's events are checked against: the stored points, as GET /prices/history answers them. */
import type { PriceEvent } from "../../src/schemas/price-event";
import { vi } from "vitest";
import { quoteDetailFields, type QuoteDetailsBody } from "../../src/schemas/quote-details";
import { call } from "./api";

/** A point with its full quote's details (null where the provider said nothing), as history answers it. */
export interface StoredPoint extends QuoteDetailsBody {
  price: number;
  timestamp: string;
}

/**
 * The stored points of a symbol, oldest first. With `through`, once history holds the point of that time: history
 * receives a symbol's points at its object's next flush (HISTORY_FLUSH_SECONDS), after streams have them.
 */
export async function storedHistory(symbol: string, provider = "synthetic", through?: string): Promise<StoredPoint[]> {
  return vi.waitFor(
    async () => {
      const answer = await call<{ points: StoredPoint[] }>(`/prices/history?symbol=${symbol}&provider=${provider}&limit=1000`);
      if (answer.status !== 200) throw new Error(`history of ${symbol} answered ${answer.status}`);
      const points = [...answer.body.points].reverse();
      if (through !== undefined && !((points.at(-1)?.timestamp ?? "") >= through)) throw new Error(`history of ${symbol} has not reached ${through} yet`);
      return points;
    },
    { timeout: 10_000, interval: 100 },
  );
}

/** An event as the point it announces: the same price, time and details. */
export const pointOf = (event: PriceEvent): StoredPoint => {
  const details = Object.fromEntries(Object.keys(quoteDetailFields).map((key) => [key, event[key as keyof QuoteDetailsBody] ?? null]));
  return { price: event.price, timestamp: event.timestamp, ...(details as QuoteDetailsBody) };
};

/** The stored points strictly after `after` and up to `upTo` (ISO timestamps compare as text). */
export function pointsBetween(points: StoredPoint[], after: string | undefined, upTo: string): StoredPoint[] {
  return points.filter((point) => (after === undefined || point.timestamp > after) && point.timestamp <= upTo);
}
