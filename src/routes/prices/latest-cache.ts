/**
 * A short-lived copy of latest quotes in this Worker isolate (API.md, "Freshness of a cached latest"): a hot
 * symbol costs no Durable Object call per request. A copy is served only while it is at most LATEST_CACHE_MS
 * old (so it is never more than that behind the newest stored point) and while the quote is within the
 * `max_age` the client asked for; `max_age=0` always goes to the symbol's object and the provider.
 */
import type { LatestQuote } from "../../providers/provider";

/** Entries one isolate keeps; past it the oldest go first. */
const MAX_ENTRIES = 10_000;

interface Copy {
  quote: LatestQuote;
  copiedAt: number;
}

const copies = new Map<string, Copy>();

/** Which request a copy answers: the symbol and the provider as the request named it (or the default's chain). */
export function cacheKey(symbol: string, named: string | undefined): string {
  return `${named ?? "*"}:${symbol}`;
}

export function cachedLatest(key: string, maxAgeSeconds: number, cacheMs: number, now = Date.now()): LatestQuote | undefined {
  if (cacheMs === 0 || maxAgeSeconds === 0) return undefined;
  const copy = copies.get(key);
  if (copy === undefined) return undefined;
  if (now - copy.copiedAt > cacheMs) {
    copies.delete(key);
    return undefined;
  }
  return now - copy.quote.checkedAt <= maxAgeSeconds * 1000 ? copy.quote : undefined;
}

export function keepLatest(key: string, quote: LatestQuote, cacheMs: number, now = Date.now()): void {
  if (cacheMs === 0) return;
  copies.delete(key);
  if (copies.size >= MAX_ENTRIES) {
    const oldest = copies.keys().next();
    if (!oldest.done) copies.delete(oldest.value);
  }
  copies.set(key, { quote, copiedAt: now });
}
