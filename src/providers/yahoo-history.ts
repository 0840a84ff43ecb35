/**
 * Yahoo Finance bars, from the same chart API as its quotes, asked for a window instead of a range:
 *
 *   GET {baseUrl}/v8/finance/chart/{symbol}?period1=<s>&period2=<s>&interval=1d&events=div%7Csplit
 *   200 {"chart":{"result":[{"meta":{"exchangeTimezoneName":"America/New_York",…},"timestamp":[1598880600,…],
 *        "indicators":{"quote":[{"open":[…],"high":[…],"low":[…],"close":[…],"volume":[…]}],"adjclose":[{"adjclose":[…]}]}}],"error":null}
 *
 * Quirks: `timestamp[]` is each bar's START in UNIX seconds (a daily bar starts at the session open, 14:30 UTC
 * for New York in winter); the quote arrays are parallel to it, in no fixed key order, and an entry can be
 * `null` — a gap, which is no bar, never a zero bar; `adjclose` sits beside `quote` (daily and weekly only);
 * a window without trading is HTTP 200 with no `timestamp` key at all (no bars, not an error); the exchange's
 * time zone is `meta.exchangeTimezoneName`. Errors share the quote's envelope (yahoo.ts).
 * Yahoo serves 1m bars 7 days per request for the last 30 days, other intraday bars for the last 60 days
 * (1h: 730), daily and weekly bars as far back as it has them.
 */
import { z } from "zod";
import { malformed } from "./http";
import { splitBySpan, type Bar, type BarInterval, type BarPage, type HistoryProvider } from "./history";
import { chartError, parseEnvelope } from "./yahoo";

const NAME = "yfinance";
const DAY = 86_400_000;
const UNLIMITED_WINDOW = 100 * 365 * DAY;

const YAHOO_INTERVAL: Readonly<Record<BarInterval, string>> = {
  "1m": "1m",
  "5m": "5m",
  "15m": "15m",
  "30m": "30m",
  "1h": "1h",
  "1d": "1d",
  "1wk": "1wk",
};

const WINDOW: Readonly<Record<BarInterval, number>> = {
  "1m": 7 * DAY,
  "5m": 60 * DAY,
  "15m": 60 * DAY,
  "30m": 60 * DAY,
  "1h": 730 * DAY,
  "1d": UNLIMITED_WINDOW,
  "1wk": UNLIMITED_WINDOW,
};

const LOOKBACK: Readonly<Record<BarInterval, number | undefined>> = {
  "1m": 30 * DAY,
  "5m": 60 * DAY,
  "15m": 60 * DAY,
  "30m": 60 * DAY,
  "1h": 730 * DAY,
  "1d": undefined,
  "1wk": undefined,
};

const Series = z.array(z.number().nullable());

const ChartBars = z.object({
  meta: z.object({ exchangeTimezoneName: z.string().optional() }),
  timestamp: z.array(z.number().int()).optional(),
  indicators: z
    .object({
      // A window without trading may still carry `quote: [{}]`: the arrays are optional until there are timestamps.
      quote: z
        .array(z.object({ open: Series.optional(), high: Series.optional(), low: Series.optional(), close: Series.optional(), volume: Series.optional() }))
        .optional(),
      adjclose: z.array(z.object({ adjclose: Series.optional() })).optional(),
    })
    .optional(),
});

type ChartBars = z.infer<typeof ChartBars>;

/** The bars of a chart result: one per timestamp whose open, high, low and close are all present. */
function barsOf(chart: ChartBars): Bar[] {
  const times = chart.timestamp;
  if (times === undefined) return [];
  const quote = chart.indicators?.quote?.[0];
  const { open: opens, high: highs, low: lows, close: closes, volume: volumes } = quote ?? {};
  if (!opens || !highs || !lows || !closes) throw malformed(NAME, "timestamps without open/high/low/close arrays");
  const adjusted = chart.indicators?.adjclose?.[0]?.adjclose;
  if ([opens, highs, lows, closes, volumes, adjusted].some((values) => values !== undefined && values.length !== times.length)) {
    throw malformed(NAME, "indicator arrays of a different length than timestamp");
  }
  const bars: Bar[] = [];
  times.forEach((seconds, i) => {
    const [open, high, low, close] = [opens[i], highs[i], lows[i], closes[i]];
    if (open == null || high == null || low == null || close == null) return;
    bars.push({
      timestamp: seconds * 1000,
      open,
      high,
      low,
      close,
      volume: volumes?.[i] ?? null,
      adjustedClose: adjusted?.[i] ?? null,
    });
  });
  return bars;
}

export const yahooHistory: HistoryProvider = {
  name: NAME,
  intervals: Object.keys(YAHOO_INTERVAL) as BarInterval[],
  needsKey: false,
  split: (query) => splitBySpan(query, WINDOW[query.interval]),
  lookbackMs: (interval) => LOOKBACK[interval],

  query({ symbol, interval, from, to }, config) {
    const params = new URLSearchParams({
      period1: String(Math.floor(from / 1000)),
      period2: String(Math.ceil(to / 1000)),
      interval: YAHOO_INTERVAL[interval],
      events: "div|split",
    });
    return { url: `${config.baseUrl}/v8/finance/chart/${encodeURIComponent(symbol)}?${params.toString()}` };
  },

  transform(response, { symbol }): BarPage {
    const { chart } = parseEnvelope(response);
    if (chart.error) throw chartError(response.status, chart.error, symbol);
    const result = ChartBars.safeParse(chart.result?.[0]);
    if (!result.success) throw malformed(NAME, "not a chart with bars");
    const timeZone = result.data.meta.exchangeTimezoneName;
    return { bars: barsOf(result.data), next: null, ...(timeZone ? { timeZone } : {}) };
  },
};
