/**
 * Finnhub candles: `/stock/candle` is premium-only, so with a free key every request is refused.
 *
 *   GET {baseUrl}/stock/candle?symbol=AAPL&resolution=D&from=<s>&to=<s>&token=KEY
 *   403 {"error":"You don't have access to this resource."}     (recorded: the free plan's refusal)
 *   200 {"c":[…],"h":[…],"l":[…],"o":[…],"s":"ok","t":[…],"v":[…]} / {"s":"no_data"}   (documentation; no recording)
 *
 * The refusal becomes 503 provider_plan_required (the plan does not include this data), not a generic 502.
 * Success bodies follow Finnhub's documentation: parallel arrays, `t` in UNIX seconds at the bar's start.
 */
import { z } from "zod";
import { ApiError } from "../errors";
import { malformed, parseJson } from "./http";
import { splitBySpan, type BarInterval, type BarPage, type HistoryProvider } from "./history";
import { requireApiKey } from "./parse";

const NAME = "finnhub";
const DAY = 86_400_000;

const RESOLUTION: Readonly<Record<BarInterval, string>> = {
  "1m": "1",
  "5m": "5",
  "15m": "15",
  "30m": "30",
  "1h": "60",
  "1d": "D",
  "1wk": "W",
};

const ErrorBody = z.object({ error: z.string() });
const Candles = z.union([
  z.object({ s: z.literal("no_data") }),
  z.object({
    s: z.literal("ok"),
    t: z.array(z.number().int()),
    o: z.array(z.number()),
    h: z.array(z.number()),
    l: z.array(z.number()),
    c: z.array(z.number()),
    v: z.array(z.number()).optional(),
  }),
]);

function refusal(status: number, json: unknown): ApiError {
  const error = ErrorBody.safeParse(json);
  if (status === 403 || status === 401) {
    const reason = error.success ? `: ${error.data.error}` : "";
    return new ApiError("provider_plan_required", `${NAME} candles need a paid plan; the configured key was refused${reason}`, {
      provider: NAME,
    });
  }
  if (error.success) return new ApiError("provider_error", `${NAME} refused the request (HTTP ${status}): ${error.data.error}`, { provider: NAME });
  return new ApiError("provider_error", `${NAME} answered HTTP ${status}`, { provider: NAME });
}

export const finnhubHistory: HistoryProvider = {
  name: NAME,
  intervals: Object.keys(RESOLUTION) as BarInterval[],
  needsKey: true,
  split: (query) => splitBySpan(query, query.interval === "1d" || query.interval === "1wk" ? 365 * DAY : 30 * DAY),
  lookbackMs: () => undefined,

  query({ symbol, interval, from, to }, config) {
    const apiKey = requireApiKey(NAME, config);
    const params = new URLSearchParams({
      symbol,
      resolution: RESOLUTION[interval],
      from: String(Math.floor(from / 1000)),
      // `to` is inclusive at Finnhub: the last second before our exclusive end.
      to: String(Math.ceil(to / 1000) - 1),
      token: apiKey,
    });
    return { url: `${config.baseUrl}/stock/candle?${params.toString()}` };
  },

  transform(response): BarPage {
    let json: unknown;
    try {
      json = parseJson(NAME, response.body);
    } catch (error) {
      if (response.status === 200) throw error;
      throw refusal(response.status, undefined);
    }
    if (response.status !== 200) throw refusal(response.status, json);
    const candles = Candles.safeParse(json);
    if (!candles.success) throw malformed(NAME, "not a candle answer");
    if (candles.data.s === "no_data") return { bars: [], next: null };
    const { t, o, h, l, c, v } = candles.data;
    if ([o, h, l, c, v ?? t].some((values) => values.length !== t.length)) throw malformed(NAME, "candle arrays of different lengths");
    const bars = t.map((seconds, i) => ({
      timestamp: seconds * 1000,
      open: o[i]!,
      high: h[i]!,
      low: l[i]!,
      close: c[i]!,
      volume: v?.[i] ?? null,
      adjustedClose: null,
    }));
    return { bars, next: null };
  },
};
