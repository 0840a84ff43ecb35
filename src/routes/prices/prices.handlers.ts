import type { AppRouteHandler } from "../../app-env";
import { readConfig, type Env } from "../../env";
import { ApiError } from "../../errors";
import type { LatestQuote, ProviderName } from "../../providers/provider";
import { encodeCursor } from "../../schemas/cursor";
import { priceBody } from "../../schemas/price";
import { detailsBody } from "../../schemas/quote-details";
import { database } from "../../store/db";
import { readHistory } from "../../store/prices";
import { latestPrice, pollPrice, storedLatestPrice } from "../../symbol/client";
import { cacheableJson } from "../../http/conditional";
import { cacheKey, cachedLatest, keepLatest } from "./latest-cache";
import { DEFAULT_HISTORY_PAGE, DEFAULT_MAX_AGE_SECONDS, type historyRoute, type latestRoute, type pollSymbolRoute, type snapshotRoute } from "./prices.routes";
import { takeSnapshot } from "./snapshot";

export const getLatest: AppRouteHandler<typeof latestRoute> = async (c) => {
  const { symbol, provider, max_age: maxAge = DEFAULT_MAX_AGE_SECONDS } = c.req.valid("query");
  const quote = c.get("anonymous") ? await storedLatestOrRefuse(c.env, symbol, provider) : await freshLatest(c.env, symbol, provider, maxAge);
  return cacheableJson(c, priceBody(quote), freshFor(quote, maxAge));
};

/** A copy in this isolate when it is fresh enough (latest-cache.ts), else the symbol's object. */
export async function freshLatest(env: Env, symbol: string, provider: ProviderName | undefined, maxAge: number): Promise<LatestQuote> {
  const cacheMs = readConfig(env).LATEST_CACHE_MS;
  const key = cacheKey(symbol, provider);
  const cached = cachedLatest(key, maxAge, cacheMs);
  if (cached) return cached;
  const quote = await latestPrice(env, symbol, provider, maxAge);
  keepLatest(key, quote, cacheMs);
  return quote;
}

/** Seconds the answer keeps the freshness the client asked for: its max_age less the quote's age. */
export function freshFor(quote: LatestQuote, maxAge: number, now = Date.now()): number {
  return Math.max(0, maxAge - (now - quote.checkedAt) / 1000);
}

/** A client without a key (while API_KEYS is set) gets what is stored, whatever its age, and never a provider call. */
async function storedLatestOrRefuse(env: Env, symbol: string, provider: ProviderName | undefined): Promise<LatestQuote> {
  const stored = await storedLatestPrice(env, symbol, provider);
  if (stored) return stored;
  throw new ApiError("unauthorized", `no price of ${symbol} is stored yet; asking the provider needs an API key (Authorization: Bearer <key>)`);
}

export const pollSymbol: AppRouteHandler<typeof pollSymbolRoute> = async (c) => {
  const { symbol } = c.req.valid("param");
  const { provider } = c.req.valid("query");
  const quote = await pollPrice(c.env, symbol, provider);
  // What this isolate just stored is the freshest copy it can hold.
  keepLatest(cacheKey(symbol, provider), quote, readConfig(c.env).LATEST_CACHE_MS);
  return c.json(priceBody(quote), 200);
};

export const getHistory: AppRouteHandler<typeof historyRoute> = async (c) => {
  const { symbol, provider: named, from, to, limit = DEFAULT_HISTORY_PAGE, cursor } = c.req.valid("query");
  const provider = named ?? readConfig(c.env).DEFAULT_PROVIDER;
  // A page after the cursor holds only points older than the last one answered (quote times are unique per
  // symbol and provider, whole milliseconds); one point more than the page tells whether another page follows.
  const before = cursor === undefined ? to : Math.min(to ?? Infinity, cursor[0] - 1);
  const read = await readHistory(database(c.env.DB), { symbol, provider, from, to: before, limit: limit + 1 });
  const points = read.slice(0, limit);
  const last = points.at(-1);
  return c.json(
    {
      symbol,
      provider,
      points: points.map((point) => ({ price: point.price, timestamp: new Date(point.timestamp).toISOString(), ...detailsBody(point) })),
      next_cursor: read.length > limit && last ? encodeCursor([last.timestamp]) : null,
    },
    200,
  );
};

export const getSnapshot: AppRouteHandler<typeof snapshotRoute> = async (c) => {
  const { symbols, provider: named, max_age: maxAge = DEFAULT_MAX_AGE_SECONDS } = c.req.valid("query");
  const provider = named ?? readConfig(c.env).DEFAULT_PROVIDER;
  const snapshot = await takeSnapshot(c.env, provider, symbols, maxAge, c.get("anonymous") === true);
  const prices = symbols.flatMap((symbol) => {
    const quote = snapshot.quotes.get(symbol);
    return quote ? [quote] : [];
  });
  const errors = symbols.flatMap((symbol) => {
    const error = snapshot.errors.get(symbol);
    return error && !snapshot.quotes.has(symbol) ? [{ symbol, error: { code: error.code, message: error.message } }] : [];
  });
  const fresh = prices.length === 0 ? 0 : Math.min(...prices.map((quote) => freshFor(quote, maxAge)));
  return cacheableJson(c, { prices: prices.map(priceBody), errors }, errors.length > 0 ? 0 : fresh);
};
