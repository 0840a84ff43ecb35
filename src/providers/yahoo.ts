/**
 * Yahoo Finance, through the chart API that the yfinance library uses: no key, one symbol per request.
 *
 *   GET {baseUrl}/v8/finance/chart/{symbol}?range=1d&interval=1d
 *   200 {"chart":{"result":[{"meta":{"regularMarketPrice":244.47,"regularMarketTime":1739912400,...},...}],"error":null}}
 *   404 {"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}
 *
 * The quote is `meta.regularMarketPrice` at `meta.regularMarketTime` (UNIX seconds): the current quote at request
 * time, whatever window was asked for. Yahoo's 429 is plain text, handled by http.ts.
 *
 * Details, all from `meta` except the open: `currency`; `exchangeName` ("NMS", "CGI", "CCC"); the day range
 * `regularMarketDayHigh/Low` and `regularMarketVolume`; the previous close is `previousClose` where Yahoo sends it
 * (not always) and otherwise `chartPreviousClose`, but only for a range=1d chart: that one is the close before the
 * chart's first bar, which is the previous session only when the chart is one day long. The open is the one
 * daily bar's open of a range=1d&interval=1d chart, rounded to Yahoo's `priceHint` decimals (bars carry float
 * noise: 244.14999389648438). The market state is where the answer's arrival falls in `currentTradingPeriod`
 * (pre / regular / post, else closed).
 */
import { z } from "zod";
import { ApiError } from "../errors";
import { tryParseJson } from "../wire/json";
import { malformed, parseJson, symbolNotFound } from "./http";
import { changeSince, DetailNumber, DetailText, onlySymbol } from "./parse";
import type { MarketState, Provider, ProviderResponse, Quote, QuoteBatchParts } from "./provider";

const NAME = "yfinance";

/** Yahoo's error envelope: `code` is an HTTP reason phrase ("Not Found", "Unprocessable Entity"), not a number. */
const ChartError = z.object({ code: z.string(), description: z.string().nullish() });

const ChartEnvelope = z.object({
  chart: z.object({
    result: z.array(z.unknown()).nullish(),
    error: ChartError.nullish(),
  }),
});

const TradingPeriod = z.object({ start: z.number(), end: z.number() });

/** The part of a chart result we read. A price of 0 or none at all is not a usable quote; a detail may be missing. */
const ChartResult = z.object({
  meta: z.object({
    regularMarketPrice: z.number().positive(),
    regularMarketTime: z.number().int().positive(),
    currency: DetailText,
    exchangeName: DetailText,
    regularMarketDayHigh: DetailNumber,
    regularMarketDayLow: DetailNumber,
    regularMarketVolume: DetailNumber,
    previousClose: DetailNumber,
    chartPreviousClose: DetailNumber,
    priceHint: DetailNumber,
    range: DetailText,
    dataGranularity: DetailText,
    currentTradingPeriod: z
      .object({ pre: TradingPeriod, regular: TradingPeriod, post: TradingPeriod })
      .nullish()
      .catch(null),
  }),
  timestamp: z.array(z.number()).nullish().catch(null),
  indicators: z
    .object({ quote: z.array(z.object({ open: z.array(z.number().nullable()).nullish() })) })
    .nullish()
    .catch(null),
});
type ChartResult = z.infer<typeof ChartResult>;

/** A one-day chart of daily bars has exactly the current session's bar. */
function isOneSessionChart(meta: ChartResult["meta"]): boolean {
  return meta.range === "1d" && meta.dataGranularity === "1d";
}

function sessionOpen(result: ChartResult): number | null {
  if (!isOneSessionChart(result.meta) || result.timestamp?.length !== 1) return null;
  const open = result.indicators?.quote[0]?.open?.[0];
  if (open === undefined || open === null) return null;
  const decimals = result.meta.priceHint;
  return decimals !== null && Number.isInteger(decimals) && decimals >= 0 && decimals <= 10 ? Number(open.toFixed(decimals)) : open;
}

function marketState(meta: ChartResult["meta"], receivedAt: number): MarketState | null {
  const periods = meta.currentTradingPeriod;
  if (!periods) return null;
  const seconds = receivedAt / 1000;
  const within = ({ start, end }: z.infer<typeof TradingPeriod>) => start <= seconds && seconds < end;
  if (within(periods.regular)) return "regular";
  if (within(periods.pre)) return "pre";
  if (within(periods.post)) return "post";
  return "closed";
}

function quoteOf(symbol: string, result: ChartResult, receivedAt: number): Quote {
  const { meta } = result;
  const previousClose = meta.previousClose ?? (isOneSessionChart(meta) ? meta.chartPreviousClose : null);
  return {
    symbol,
    price: meta.regularMarketPrice,
    timestamp: meta.regularMarketTime * 1000,
    provider: NAME,
    currency: meta.currency,
    open: sessionOpen(result),
    high: meta.regularMarketDayHigh,
    low: meta.regularMarketDayLow,
    previousClose,
    ...changeSince(meta.regularMarketPrice, previousClose),
    volume: meta.regularMarketVolume,
    exchange: meta.exchangeName,
    marketState: marketState(meta, receivedAt),
  };
}

/** Yahoo's error envelope: 404 "Not Found" means an unknown symbol; anything else is Yahoo failing us. */
export function chartError(status: number, error: z.infer<typeof ChartError>, symbol: string): ApiError {
  if (status === 404 || error.code === "Not Found") return symbolNotFound(NAME, symbol);
  const reason = error.description ? `${error.code}: ${error.description}` : error.code;
  return new ApiError("provider_error", `${NAME} refused the request (HTTP ${status}): ${reason}`, { provider: NAME });
}

export function parseEnvelope(response: ProviderResponse): z.infer<typeof ChartEnvelope> {
  if (response.status === 200) {
    const envelope = ChartEnvelope.safeParse(parseJson(NAME, response.body));
    if (!envelope.success) throw malformed(NAME, "not a chart answer");
    return envelope.data;
  }
  // Not 200: only Yahoo's own JSON envelope says why; anything else (an HTML page, a proxy) is a plain HTTP error.
  const envelope = ChartEnvelope.safeParse(tryParseJson(response.body));
  if (envelope.success && envelope.data.chart.error) return envelope.data;
  throw new ApiError("provider_error", `${NAME} answered HTTP ${response.status}`, { provider: NAME });
}

export const yahoo: Provider = {
  name: NAME,
  // Yahoo rate-limits aggressively and has no published quota: be gentle.
  // Yahoo's tickers: ^ for indices, = for FX and futures, - for share classes and crypto, . for exchanges.
  symbols: { pattern: /^[A-Z0-9^][A-Z0-9^.=-]*$/, description: "letters, digits and ^ . = - (e.g. AAPL, ^GSPC, EURUSD=X, BRK-B, BTC-USD)" },
  minInterval: 5,
  batchSize: 1,
  needsKey: false,
  budget: { perMinute: 60 },

  query(symbols, config) {
    // encodeURIComponent: "^GSPC" must travel as "%5EGSPC", "EURUSD=X" as "EURUSD%3DX".
    const symbol = encodeURIComponent(onlySymbol(NAME, symbols));
    return { url: `${config.baseUrl}/v8/finance/chart/${symbol}?range=1d&interval=1d` };
  },

  transform(response, symbols): QuoteBatchParts {
    const symbol = onlySymbol(NAME, symbols);
    const { chart } = parseEnvelope(response);
    if (chart.error) throw chartError(response.status, chart.error, symbol);
    const result = ChartResult.safeParse(chart.result?.[0]);
    if (!result.success) throw malformed(NAME, "no usable meta.regularMarketPrice / meta.regularMarketTime");
    return { quotes: new Map([[symbol, quoteOf(symbol, result.data, response.receivedAt)]]), failures: new Map() };
  },
};
