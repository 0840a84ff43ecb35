/**
 * Polygon.io (Massive) aggregates: bars of any multiple of a minute, hour, day or week.
 *
 *   GET {baseUrl}/v2/aggs/ticker/AAPL/range/1/day/<from ms>/<to ms>?adjusted=true&sort=asc&limit=50000&apiKey=KEY
 *   200 {"ticker":"AAPL","adjusted":true,"results":[{"v":642646396.0,"vw":1.469,"o":1.5032,"c":1.4604,"h":1.5064,"l":1.4489,"t":1112331600000,"n":82132},…],
 *        "status":"OK","next_url":"https://api.polygon.io/v2/aggs/…?cursor=…"}
 *
 * Quirks: `t` is the bar's start in milliseconds (a daily bar starts at 00:00 New York); `to` is inclusive;
 * `adjusted=true` (asked for) makes o/h/l/c split-adjusted, which is the close we report (Polygon gives no
 * separate adjusted close); volume is a float (642646396.0); a window without bars has no `results`; a long
 * window is paged: `next_url` (without our key, and on Polygon's own origin) asks for the rest, so it is
 * followed on the configured origin with the key added. `limit` counts the minute bars an answer is built
 * from, at most 50,000. Refusals as in polygon.ts (403: the plan does not reach that far back).
 */
import { z } from "zod";
import { malformed, parseJson } from "./http";
import { INTERVAL_MS, splitBySpan, type BarInterval, type BarPage, type HistoryProvider } from "./history";
import { polygonRefusal } from "./polygon";
import type { ProviderConfig, ProviderRequest } from "./provider";

const NAME = "polygon";
const BASE_AGGREGATES_PER_REQUEST = 50_000;

const RANGE: Readonly<Record<BarInterval, [number, string]>> = {
  "1m": [1, "minute"],
  "5m": [5, "minute"],
  "15m": [15, "minute"],
  "30m": [30, "minute"],
  "1h": [1, "hour"],
  "1d": [1, "day"],
  "1wk": [1, "week"],
};

const Aggregates = z.object({
  adjusted: z.boolean().optional(),
  results: z
    .array(z.object({ t: z.number().int(), o: z.number(), h: z.number(), l: z.number(), c: z.number(), v: z.number().optional() }))
    .optional(),
  next_url: z.string().optional(),
});

/** next_url on the configured origin, with the key it lacks. */
function followUp(nextUrl: string, config: ProviderConfig): ProviderRequest {
  const next = new URL(nextUrl);
  if (config.apiKey) next.searchParams.set("apiKey", config.apiKey);
  return { url: `${config.baseUrl}${next.pathname}${next.search}` };
}

/** Intraday bars are built from minute bars, daily and weekly ones from daily bars: the unit `limit` counts. */
function baseAggregateMs(interval: BarInterval): number {
  return interval === "1d" || interval === "1wk" ? INTERVAL_MS["1d"] : INTERVAL_MS["1m"];
}

export const polygonHistory: HistoryProvider = {
  name: NAME,
  intervals: Object.keys(RANGE) as BarInterval[],
  needsKey: true,
  split: (query) => splitBySpan(query, BASE_AGGREGATES_PER_REQUEST * baseAggregateMs(query.interval)),
  lookbackMs: () => undefined,

  query({ symbol, interval, from, to }, config) {
    const [multiplier, timespan] = RANGE[interval];
    const params = new URLSearchParams({ adjusted: "true", sort: "asc", limit: String(BASE_AGGREGATES_PER_REQUEST), apiKey: config.apiKey ?? "" });
    const path = `/v2/aggs/ticker/${encodeURIComponent(symbol)}/range/${multiplier}/${timespan}/${from}/${to - 1}`;
    return { url: `${config.baseUrl}${path}?${params.toString()}` };
  },

  transform(response, _query, config): BarPage {
    if (response.status !== 200) throw polygonRefusal(response);
    const answer = Aggregates.safeParse(parseJson(NAME, response.body));
    if (!answer.success) throw malformed(NAME, "not an aggregates answer");
    const bars = (answer.data.results ?? []).map(({ t, o, h, l, c, v }) => ({
      timestamp: t,
      open: o,
      high: h,
      low: l,
      close: c,
      volume: v ?? null,
      adjustedClose: null,
    }));
    return { bars, next: answer.data.next_url ? followUp(answer.data.next_url, config) : null };
  },
};
