/**
 * Alpha Vantage GLOBAL_QUOTE: needs a key, one symbol per request, a tight free tier (5/minute, 25/day).
 *
 *   GET {baseUrl}/query?function=GLOBAL_QUOTE&symbol=IBM&apikey=KEY
 *   200 {"Global Quote": {"01. symbol": "IBM", "05. price": "121.7400", "07. latest trading day": "2020-05-08", ...}}
 *
 * Quirks, all with HTTP 200: every number is a string; an unknown symbol is `{"Global Quote": {}}`; a rate limit
 * is a body whose only key is "Note" (older) or "Information" (current); an invalid call is `{"Error Message": …}`.
 *
 * Details, each a string: "02. open", "03. high", "04. low", "06. volume", "08. previous close", "09. change" and
 * "10. change percent" ("-0.5852%": the sign and the % are Alpha Vantage's). GLOBAL_QUOTE names no currency,
 * exchange or market state: those are null.
 */
import { z } from "zod";
import { ApiError } from "../errors";
import { malformed, parseJson, rateLimited, symbolNotFound } from "./http";
import { DetailDecimalString, onlySymbol, PriceString, requireApiKey } from "./parse";
import type { Provider, QuoteBatchParts } from "./provider";

const NAME = "alpha_vantage";
/** Alpha Vantage sends no Retry-After; its per-minute window is the shortest that can have run out. */
const RETRY_AFTER_SECONDS = 60;
const HOUR_MS = 3_600_000;

/** What one answer can be: data, an empty quote (unknown symbol), a rate limit, or an error message. */
const Envelope = z.object({
  "Global Quote": z.record(z.string(), z.unknown()).optional(),
  Note: z.string().optional(),
  Information: z.string().optional(),
  "Error Message": z.string().optional(),
});

/** "-0.5852%" -> -0.5852 (percent); anything else reads as null. */
const PercentString = z
  .string()
  .regex(/^-?\d+(\.\d+)?%$/)
  .transform((value) => Number(value.slice(0, -1)))
  .nullish()
  .catch(null)
  .transform((value) => value ?? null);

const GlobalQuote = z.object({
  "02. open": DetailDecimalString,
  "03. high": DetailDecimalString,
  "04. low": DetailDecimalString,
  "06. volume": DetailDecimalString,
  "08. previous close": DetailDecimalString,
  "09. change": DetailDecimalString,
  "10. change percent": PercentString,
  "05. price": PriceString,
  "07. latest trading day": z.iso.date(),
});

/**
 * 16:00 America/New_York (the US regular-session close) on `date`, as epoch ms, with EST (UTC-5) or EDT
 * (UTC-4) as the runtime's time-zone database says for that day. DST switches at 02:00 local, so the
 * offset at 21:00 UTC (16:00 EST) is the offset of the whole afternoon.
 */
export function newYorkCloseOf(date: string): number {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  const closeIfEst = Date.UTC(year, month - 1, day, 21);
  const localHour = Number(
    new Intl.DateTimeFormat("en-US", { timeZone: "America/New_York", hour: "numeric", hourCycle: "h23" }).format(closeIfEst),
  );
  // 16 when New York is on EST that day, 17 when on EDT (then the close is one hour earlier in UTC).
  return closeIfEst - (localHour - 16) * HOUR_MS;
}

export const alphaVantage: Provider = {
  name: NAME,
  // GLOBAL_QUOTE takes equity tickers, with an exchange suffix after a dot (TSCO.LON); no indices, FX or prefixes.
  symbols: { pattern: /^[A-Z0-9][A-Z0-9.-]*$/, description: "letters, digits and . - (e.g. IBM, BRK.B, TSCO.LON)" },
  minInterval: 15,
  batchSize: 1,
  needsKey: true,
  budget: { perMinute: 5, perDay: 25 },

  query(symbols, config) {
    const params = new URLSearchParams({ function: "GLOBAL_QUOTE", symbol: onlySymbol(NAME, symbols), apikey: requireApiKey(NAME, config) });
    return { url: `${config.baseUrl}/query?${params.toString()}` };
  },

  transform(response, symbols): QuoteBatchParts {
    const symbol = onlySymbol(NAME, symbols);
    if (response.status !== 200) {
      throw new ApiError("provider_error", `${NAME} answered HTTP ${response.status}`, { provider: NAME });
    }
    const envelope = Envelope.safeParse(parseJson(NAME, response.body));
    if (!envelope.success) throw malformed(NAME, "not a GLOBAL_QUOTE answer");
    const { "Global Quote": globalQuote, Note, Information, "Error Message": errorMessage } = envelope.data;

    if (globalQuote === undefined) {
      // Detected by key, never by wording: the texts change every few years, the keys have not.
      if (Note !== undefined || Information !== undefined) throw rateLimited(NAME, RETRY_AFTER_SECONDS);
      // "Invalid API call. Please retry or visit the documentation ..." is the same text for ANY malformed call
      // (bad parameter, function the symbol does not support, ...), so it does not prove the symbol unknown: for
      // GLOBAL_QUOTE an unknown symbol is the empty quote below. An invalid call is the provider refusing us.
      if (errorMessage !== undefined) {
        throw new ApiError("provider_error", `${NAME} refused the request: ${errorMessage}`, { provider: NAME });
      }
      throw malformed(NAME, 'no "Global Quote"');
    }
    if (Object.keys(globalQuote).length === 0) throw symbolNotFound(NAME, symbol);

    const quote = GlobalQuote.safeParse(globalQuote);
    if (!quote.success) throw malformed(NAME, 'no usable "05. price" / "07. latest trading day"');
    const { "05. price": price, "07. latest trading day": tradingDay } = quote.data;
    const details = quote.data;
    // GLOBAL_QUOTE has no quote time, only the trading day. The price is final at that day's close (16:00
    // New York time), and that is its timestamp, so every poll after the close maps to the same point. While
    // the session is still open the close lies in the future: then the quote is stamped with the time its answer
    // arrived, so intraday polls make distinct points and no timestamp is ever in the future.
    const timestamp = Math.min(newYorkCloseOf(tradingDay), response.receivedAt);
    return {
      quotes: new Map([
        [
          symbol,
          {
            symbol,
            price,
            timestamp,
            provider: NAME,
            open: details["02. open"],
            high: details["03. high"],
            low: details["04. low"],
            previousClose: details["08. previous close"],
            change: details["09. change"],
            changePercent: details["10. change percent"],
            volume: details["06. volume"],
          },
        ],
      ]),
      failures: new Map(),
    };
  },
};
