/**
 * Polygon.io (now Massive) quotes: needs a key, one symbol per request, 5 requests a minute on the free plan.
 *
 *   free plan:  GET {baseUrl}/v2/aggs/ticker/AAPL/prev?adjusted=true&apiKey=KEY     (POLYGON_LATEST=prev, the default)
 *               200 {"ticker":"AAPL","adjusted":true,"results":[{"T":"AAPL","o":…,"c":…,"t":<ms>,…}],"status":"OK",…}
 *   paid plans: GET {baseUrl}/v2/last/trade/AAPL?apiKey=KEY                          (POLYGON_LATEST=last_trade)
 *               200 {"results":{"p":166.25,"t":1651179319310617300,…},"status":"OK",…}
 *
 * Quirks: trade times are NANOSECONDS, 19 digits, beyond 2^53: JSON.parse would round them, so `t` is read from
 * its source text and divided exactly (BigInt) to milliseconds. Aggregate `t` is the bar's start in ms; the
 * previous day's close is stamped at 16:00 New York time of that day. Refusals are JSON with `status` and
 * `error` or `message`: 401 bad key, 403 NOT_AUTHORIZED (the plan lacks the data -> provider_plan_required).
 * The previous-day shape and the refusals follow Polygon's documentation (no recording); the last trade and
 * the range aggregates are recorded.
 */
import { z } from "zod";
import { ApiError } from "../errors";
import { tryParseJson } from "../wire/json";
import { newYorkCloseOf } from "./alpha-vantage";
import { malformed, symbolNotFound } from "./http";
import { onlySymbol, requireApiKey } from "./parse";
import type { Provider, ProviderResponse, QuoteBatchParts } from "./provider";

const NAME = "polygon";
const NANOS_PER_MILLI = 1_000_000n;

const Refusal = z.object({ status: z.string().optional(), error: z.string().optional(), message: z.string().optional() });

/** A refusal by status: 403 means the plan does not include the data; the rest are Polygon failing us. */
export function polygonRefusal(response: ProviderResponse): ApiError {
  const refusal = Refusal.safeParse(tryParseJson(response.body));
  const reason = refusal.success ? (refusal.data.message ?? refusal.data.error ?? refusal.data.status) : undefined;
  const because = reason ? `: ${reason}` : "";
  if (response.status === 403) {
    return new ApiError("provider_plan_required", `${NAME}'s plan for the configured key does not include this data${because}`, {
      provider: NAME,
    });
  }
  return new ApiError("provider_error", `${NAME} refused the request (HTTP ${response.status})${because}`, { provider: NAME });
}

/** JSON.parse that keeps every integer beyond 2^53 as its digits (TC39 JSON.parse source text access). */
function parseKeepingBigIntegers(body: string): unknown {
  try {
    return JSON.parse(body, (_key, value: unknown, context?: { source?: string }) =>
      typeof value === "number" && !Number.isSafeInteger(value) && Number.isInteger(value) && context?.source ? context.source : value,
    ) as unknown;
  } catch {
    throw malformed(NAME, "not JSON");
  }
}

/** Digits (beyond 2^53, kept by the parse) or a safe integer; either way divided exactly. */
const NanoTime = z.union([z.string().regex(/^\d{1,22}$/), z.number().int().nonnegative()]).transform((value) => Number(BigInt(value) / NANOS_PER_MILLI));

const LastTrade = z.object({ results: z.object({ p: z.number().positive(), t: NanoTime }) });
const PrevDay = z.object({ results: z.array(z.object({ c: z.number().positive(), t: z.number().int() })).optional() });

/** The previous-day bar's date in New York, from its start (00:00 New York), as YYYY-MM-DD. */
function newYorkDateOf(instant: number): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York" }).format(instant);
}

/** Either answer, told apart by shape: the last trade's `results` is an object, the aggregate's an array. */
function quoteOf(response: ProviderResponse, symbol: string): { price: number; timestamp: number } {
  const json = parseKeepingBigIntegers(response.body);
  const trade = LastTrade.safeParse(json);
  if (trade.success) return { price: trade.data.results.p, timestamp: trade.data.results.t };
  const prev = PrevDay.safeParse(json);
  if (!prev.success) throw malformed(NAME, "neither a last trade nor a previous-day aggregate");
  const bar = prev.data.results?.[0];
  // An unknown ticker is HTTP 200 with no results.
  if (!bar) throw symbolNotFound(NAME, symbol);
  return { price: bar.c, timestamp: Math.min(newYorkCloseOf(newYorkDateOf(bar.t)), response.receivedAt) };
}

export const polygon: Provider = {
  name: NAME,
  // Polygon's tickers: stocks (BRK.B) and prefixed markets (X:BTCUSD, C:EURUSD, I:SPX); no ^, = or /.
  symbols: { pattern: /^[A-Z0-9][A-Z0-9.:-]*$/, description: "letters, digits and . : - (e.g. AAPL, BRK.B, X:BTCUSD, I:SPX)" },
  minInterval: 12,
  batchSize: 1,
  needsKey: true,
  budget: { perMinute: 5 },

  query(symbols, config) {
    const apiKey = requireApiKey(NAME, config);
    const symbol = encodeURIComponent(onlySymbol(NAME, symbols));
    const key = new URLSearchParams({ apiKey }).toString();
    const path = config.latestFrom === "last_trade" ? `/v2/last/trade/${symbol}?${key}` : `/v2/aggs/ticker/${symbol}/prev?adjusted=true&${key}`;
    return { url: `${config.baseUrl}${path}` };
  },

  transform(response, symbols): QuoteBatchParts {
    const symbol = onlySymbol(NAME, symbols);
    if (response.status === 404) throw symbolNotFound(NAME, symbol);
    if (response.status !== 200) throw polygonRefusal(response);
    const { price, timestamp } = quoteOf(response, symbol);
    return { quotes: new Map([[symbol, { symbol, price, timestamp, provider: NAME }]]), failures: new Map() };
  },
};
