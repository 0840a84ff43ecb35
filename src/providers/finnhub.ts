/**
 * Finnhub /quote: needs a token, one symbol per request, 60 requests a minute on the free plan.
 *
 *   GET {baseUrl}/quote?symbol=AAPL&token=KEY
 *   200 {"c":462.25,"h":464,"l":456.03,"o":457.41,"pc":458.43,"t":1597783907}
 *
 * c is the current price, t its time in UNIX seconds; o/h/l are the day's open/high/low, pc the previous close.
 * Quirks: bodies from before 2021 have no d/dp (change, change percent; today's have them null for unknown
 * symbols), so change is d where sent, else c - pc; h/l/o/pc can be 0 while c is set (a Finnhub bug of 2020),
 * and a 0 there means "not known", never a price of 0; an unknown symbol is HTTP 200 with every field 0; an
 * error is {"error": "<text>"}, e.g. 403 "You don't have access to this resource." when the plan does not cover
 * the listing. /quote names no currency, exchange, volume or market state: those are null.
 */
import { z } from "zod";
import { ApiError } from "../errors";
import { malformed, parseJson, symbolNotFound } from "./http";
import { changeSince, DetailNumber, onlySymbol, requireApiKey } from "./parse";
import type { Provider, Quote, QuoteBatchParts } from "./provider";

const NAME = "finnhub";

/** A price detail where 0 means "not known" (see above). */
const KnownPrice = DetailNumber.transform((value) => (value !== null && value > 0 ? value : null));

const QuoteBody = z.object({
  c: z.number(),
  t: z.number().int(),
  o: KnownPrice,
  h: KnownPrice,
  l: KnownPrice,
  pc: KnownPrice,
  d: DetailNumber,
  dp: DetailNumber,
});
const ErrorBody = z.object({ error: z.string() });

export const finnhub: Provider = {
  name: NAME,
  // Exchange-prefixed symbols (BINANCE:BTCUSDT, OANDA:EUR_USD, FXCM:EUR/USD) and indices (^GSPC); = is Yahoo's.
  symbols: { pattern: /^[A-Z0-9^][A-Z0-9^.:/_-]*$/, description: "letters, digits and ^ . : / _ - (e.g. AAPL, BRK.B, BINANCE:BTCUSDT, OANDA:EUR_USD)" },
  minInterval: 1,
  batchSize: 1,
  needsKey: true,
  budget: { perMinute: 60 },

  query(symbols, config) {
    const params = new URLSearchParams({ symbol: onlySymbol(NAME, symbols), token: requireApiKey(NAME, config) });
    return { url: `${config.baseUrl}/quote?${params.toString()}` };
  },

  transform(response, symbols): QuoteBatchParts {
    const symbol = onlySymbol(NAME, symbols);
    let json: unknown;
    try {
      json = parseJson(NAME, response.body);
    } catch (error) {
      if (response.status === 200) throw error;
      throw new ApiError("provider_error", `${NAME} answered HTTP ${response.status}`, { provider: NAME });
    }
    // {"error": ...} is a refusal whatever the status (401 bad token, 403 plan restriction, ...). Its text is
    // Finnhub's own and never holds our token, so it is passed on.
    const refusal = ErrorBody.safeParse(json);
    if (refusal.success) {
      throw new ApiError("provider_error", `${NAME} refused the request (HTTP ${response.status}): ${refusal.data.error}`, {
        provider: NAME,
      });
    }
    if (response.status !== 200) {
      throw new ApiError("provider_error", `${NAME} answered HTTP ${response.status}`, { provider: NAME });
    }
    const quote = QuoteBody.safeParse(json);
    if (!quote.success) throw malformed(NAME, "no numeric c / t");
    const { c: price, t: seconds, o: open, h: high, l: low, pc: previousClose, d, dp } = quote.data;
    if (price === 0 && seconds === 0) throw symbolNotFound(NAME, symbol);
    if (price <= 0 || seconds <= 0) throw malformed(NAME, `no usable quote (c=${price}, t=${seconds})`);
    const derived = changeSince(price, previousClose);
    const full: Quote = {
      symbol,
      price,
      timestamp: seconds * 1000,
      provider: NAME,
      open,
      high,
      low,
      previousClose,
      change: d ?? derived.change,
      changePercent: dp ?? derived.changePercent,
    };
    return { quotes: new Map([[symbol, full]]), failures: new Map() };
  },
};
