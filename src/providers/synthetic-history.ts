/**
 * Synthetic bars: deterministic OHLCV for any symbol, interval and range, from the same price walk as the
 * synthetic quotes (synthetic.ts), so a bar and the prices polled within it agree.
 *
 *   query:  synthetic://local/bars?symbol=AAPL&interval=1m&from=<ms>&to=<ms>
 *   answer: 200 {"bars":[{"t":<ms>,"o":…,"h":…,"l":…,"c":…,"v":…},…]}
 *
 * A bar's open is the walk's price at its first second, its close the price at its last second (or now, for
 * the bar still forming), high and low the extremes over at most 60 evenly spaced seconds plus those two.
 * Volume is derived from the bar's range, so it is deterministic too. Bars start at multiples of the interval
 * from the epoch (weeks on Mondays, 00:00 UTC); there are none in the future.
 */
import { z } from "zod";
import { malformed, parseJson } from "./http";
import { BAR_INTERVALS, INTERVAL_MS, splitBySpan, type Bar, type BarInterval, type HistoryProvider } from "./history";
import { syntheticPrice } from "./synthetic";

const NAME = "synthetic";
const BARS_PER_REQUEST = 1000;
const SAMPLES_PER_BAR = 60;
/** 1970-01-05, a Monday: weekly bars start on Mondays. */
const WEEK_ORIGIN = 4 * 86_400_000;

/** The start of the bar that holds `instant`. */
export function syntheticBarStart(instant: number, interval: BarInterval): number {
  const length = INTERVAL_MS[interval];
  const origin = interval === "1wk" ? WEEK_ORIGIN : 0;
  return Math.floor((instant - origin) / length) * length + origin;
}

/** The bar of `symbol` starting at `start`, as of `now` (the bar still forming ends at now). */
export function syntheticBar(symbol: string, interval: BarInterval, start: number, now: number): Bar {
  const first = Math.floor(start / 1000);
  const last = Math.min(Math.floor((start + INTERVAL_MS[interval]) / 1000) - 1, Math.floor(now / 1000));
  const step = Math.max(1, Math.floor((last - first) / SAMPLES_PER_BAR));
  const prices: number[] = [];
  for (let second = first; second < last; second += step) prices.push(syntheticPrice(symbol, second));
  const open = syntheticPrice(symbol, first);
  const close = syntheticPrice(symbol, last);
  const high = Math.max(open, close, ...prices);
  const low = Math.min(open, close, ...prices);
  const minutes = INTERVAL_MS[interval] / 60_000;
  const volume = Math.round(1000 * Math.sqrt(minutes) * (1 + (100 * (high - low)) / open));
  return { timestamp: start, open, high, low, close, volume, adjustedClose: null };
}

const Answer = z.object({
  bars: z.array(
    z.object({ t: z.number().int(), o: z.number().positive(), h: z.number().positive(), l: z.number().positive(), c: z.number().positive(), v: z.number().int() }),
  ),
});

const Request = z.object({
  symbol: z.string().min(1),
  interval: z.enum(BAR_INTERVALS),
  from: z.coerce.number().int(),
  to: z.coerce.number().int(),
});

export const syntheticHistory: HistoryProvider = {
  name: NAME,
  intervals: BAR_INTERVALS,
  needsKey: false,
  split: (query) => splitBySpan(query, BARS_PER_REQUEST * INTERVAL_MS[query.interval]),
  lookbackMs: () => undefined,

  query({ symbol, interval, from, to }, config) {
    const params = new URLSearchParams({ symbol, interval, from: String(from), to: String(to) });
    return { url: `${config.baseUrl}/bars?${params.toString()}` };
  },

  answerOffline(request, now) {
    const { symbol, interval, from, to } = Request.parse(Object.fromEntries(new URL(request.url).searchParams));
    const bars = [];
    const end = Math.min(to, now + 1);
    for (let start = syntheticBarStart(from, interval); start < end; start += INTERVAL_MS[interval]) {
      if (start < from) continue;
      const bar = syntheticBar(symbol, interval, start, now);
      bars.push({ t: bar.timestamp, o: bar.open, h: bar.high, l: bar.low, c: bar.close, v: bar.volume });
    }
    return { status: 200, body: JSON.stringify({ bars }), headers: new Headers({ "content-type": "application/json" }), receivedAt: now };
  },

  transform(response) {
    const answer = Answer.safeParse(parseJson(NAME, response.body));
    if (!answer.success) throw malformed(NAME, "not a synthetic bars answer");
    const bars = answer.data.bars.map(({ t, o, h, l, c, v }) => ({ timestamp: t, open: o, high: h, low: l, close: c, volume: v, adjustedClose: null }));
    return { bars, next: null };
  },
};
