/**
 * Binance spot klines: no key, at most 1000 bars per request.
 *
 *   GET {baseUrl}/api/v3/klines?symbol=BTCUSDT&interval=1d&startTime=<ms>&endTime=<ms>&limit=1000
 *   200 [[1609459200000,"28923.63000000","29600.00000000","28624.57000000","29331.69000000","54182.92501100",1609545599999,…],…]
 *   400 {"code":-1121,"msg":"Invalid symbol."}
 *
 * Quirks: an array of positional arrays (open time, open, high, low, close, volume, close time, quote volume,
 * trades, taker base, taker quote, ignore); times are milliseconds, the open time is the bar's start; prices and
 * volumes are strings; `endTime` is inclusive; weekly bars start on Monday 00:00 UTC. Binance has every
 * interval since the pair was listed.
 */
import { z } from "zod";
import { ApiError } from "../errors";
import { binanceErrorBody } from "./binance";
import { malformed, parseJson, rateLimited, retryAfterSeconds, symbolNotFound } from "./http";
import { INTERVAL_MS, splitBySpan, type BarInterval, type BarPage, type HistoryProvider } from "./history";

const NAME = "binance";
const MAX_BARS_PER_REQUEST = 1000;
const INVALID_SYMBOL = -1121;

const BINANCE_INTERVAL: Readonly<Record<BarInterval, string>> = {
  "1m": "1m",
  "5m": "5m",
  "15m": "15m",
  "30m": "30m",
  "1h": "1h",
  "1d": "1d",
  "1wk": "1w",
};

const Decimal = z
  .string()
  .regex(/^\d+(\.\d+)?$/, "a decimal number as a string")
  .transform(Number);

/** The first six positions are read; the rest (close time, quote volume, trades, …) are not bars' business. */
const Kline = z
  .tuple([z.number().int(), Decimal, Decimal, Decimal, Decimal, Decimal])
  .rest(z.unknown())
  .transform(([timestamp, open, high, low, close, volume]) => ({ timestamp, open, high, low, close, volume, adjustedClose: null }));

function refused(status: number, body: string, symbol: string): ApiError {
  const error = binanceErrorBody(body);
  if (!error) return new ApiError("provider_error", `${NAME} answered HTTP ${status}`, { provider: NAME });
  if (error.code === INVALID_SYMBOL) return symbolNotFound(NAME, symbol);
  return new ApiError("provider_error", `${NAME} refused the request (HTTP ${status}, code ${error.code}): ${error.msg}`, {
    provider: NAME,
  });
}

export const binanceHistory: HistoryProvider = {
  name: NAME,
  intervals: Object.keys(BINANCE_INTERVAL) as BarInterval[],
  needsKey: false,
  split: (query) => splitBySpan(query, MAX_BARS_PER_REQUEST * INTERVAL_MS[query.interval]),
  lookbackMs: () => undefined,

  query({ symbol, interval, from, to }, config) {
    const params = new URLSearchParams({
      symbol,
      interval: BINANCE_INTERVAL[interval],
      startTime: String(from),
      endTime: String(to - 1),
      limit: String(MAX_BARS_PER_REQUEST),
    });
    return { url: `${config.baseUrl}/api/v3/klines?${params.toString()}` };
  },

  transform(response, { symbol }): BarPage {
    // 418: banned for continuing after 429s (http.ts maps the 429 itself); Retry-After says for how long.
    if (response.status === 418) throw rateLimited(NAME, retryAfterSeconds(response.headers));
    if (response.status !== 200) throw refused(response.status, response.body, symbol);
    const klines = z.array(Kline).safeParse(parseJson(NAME, response.body));
    if (!klines.success) throw malformed(NAME, "not an array of klines");
    return { bars: klines.data, next: null };
  },
};
