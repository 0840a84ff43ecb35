/**
 * GET /prices/snapshot: many symbols' latest in one call (API.md, "Many symbols"). A symbol's stored latest is
 * used while it is within max_age (the isolate's copy first, then the symbol's object, which keeps it in
 * memory); the rest are asked of the provider together: through its coordinator in ⌈N / batch size⌉ requests
 * for a batch provider, one request each otherwise. Failures are listed per symbol beside the prices.
 */
import type { Env } from "../../env";
import { readConfig } from "../../env";
import type { WireError } from "../../errors";
import { asWireError, settled } from "../../objects/outcome";
import { quoteNow } from "../../coordinator/quote-now";
import { database } from "../../store/db";
import { symbolObject } from "../../objects/symbol";
import type { LatestQuote, ProviderName } from "../../providers/provider";
import { getProvider } from "../../providers/registry";
import { cacheKey, cachedLatest, keepLatest } from "./latest-cache";

/** Symbol objects asked at a time (each a cheap call; a hundred at once is a burst the objects do not need). */
const CONCURRENT_LOOKUPS = 20;

export interface Snapshot {
  quotes: Map<string, LatestQuote>;
  errors: Map<string, WireError>;
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** What is stored and fresh enough, per symbol; the others are left for the provider. */
async function storedFresh(env: Env, provider: ProviderName, symbols: readonly string[], maxAge: number, anyAge: boolean): Promise<Map<string, LatestQuote>> {
  const cacheMs = readConfig(env).LATEST_CACHE_MS;
  const found = new Map<string, LatestQuote>();
  await forEachLimited(symbols, CONCURRENT_LOOKUPS, async (symbol) => {
    const copy = anyAge ? undefined : cachedLatest(cacheKey(symbol, provider), maxAge, cacheMs);
    if (copy) {
      found.set(symbol, copy);
      return;
    }
    if (maxAge === 0 && !anyAge) return;
    const target = { provider, symbol };
    const stored = await symbolObject(env, target).stored(target);
    if (stored && (anyAge || Date.now() - stored.checkedAt <= maxAge * 1000)) found.set(symbol, stored);
  });
  return found;
}

async function fromProvider(env: Env, provider: ProviderName, symbols: string[], snapshot: Snapshot): Promise<void> {
  if (symbols.length === 0) return;
  const cacheMs = readConfig(env).LATEST_CACHE_MS;
  if (getProvider(provider).batchSize > 1) {
    for (const { symbol, outcome } of await quoteNow(env, database(env.DB), readConfig(env), provider, symbols)) {
      const answer = settled(outcome);
      if (answer.ok) snapshot.quotes.set(symbol, answer.value);
      else snapshot.errors.set(symbol, answer.error);
    }
  } else {
    await forEachLimited(symbols, 4, async (symbol) => {
      const target = { provider, symbol };
      const outcome = settled(await symbolObject(env, target).poll(target));
      if (outcome.ok) snapshot.quotes.set(symbol, outcome.value);
      else snapshot.errors.set(symbol, outcome.error);
    });
  }
  for (const symbol of symbols) {
    const quote = snapshot.quotes.get(symbol);
    if (quote) keepLatest(cacheKey(symbol, provider), quote, cacheMs);
  }
}

/** `storedOnly`: a client without a key (API_KEYS set) gets what is stored, whatever its age, and no provider call. */
export async function takeSnapshot(env: Env, provider: ProviderName, symbols: readonly string[], maxAge: number, storedOnly: boolean): Promise<Snapshot> {
  const snapshot: Snapshot = { quotes: await storedFresh(env, provider, symbols, maxAge, storedOnly), errors: new Map() };
  const missing = symbols.filter((symbol) => !snapshot.quotes.has(symbol));
  if (storedOnly) {
    for (const symbol of missing) {
      snapshot.errors.set(symbol, { code: "unauthorized", message: `no price of ${symbol} is stored yet; asking the provider needs an API key`, extras: {} });
    }
    return snapshot;
  }
  try {
    await fromProvider(env, provider, missing, snapshot);
  } catch (error) {
    const wire = asWireError(error);
    for (const symbol of missing) if (!snapshot.quotes.has(symbol) && !snapshot.errors.has(symbol)) snapshot.errors.set(symbol, wire);
  }
  for (const symbol of missing) {
    if (!snapshot.quotes.has(symbol) && !snapshot.errors.has(symbol)) {
      snapshot.errors.set(symbol, { code: "symbol_not_found", message: `${provider} answered nothing for ${symbol}`, extras: {} });
    }
  }
  return snapshot;
}
