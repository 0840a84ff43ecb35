/**
 * The candles' arithmetic, free of DOM and chart types (test/browser/candles.test.ts runs it in Node): which
 * ranges the pickers offer for an interval, and how a live price folds into the bars loaded from /prices/bars.
 */
import { BAR_INTERVALS, INTERVAL_MS, type BarInterval } from "../../src/providers/bar-intervals";

export { BAR_INTERVALS, INTERVAL_MS, type BarInterval };

/** A bar on the chart: `time` is its start in whole UNIX seconds (the chart's time scale), volume null when unknown. */
export interface Candle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number | null;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The ranges the range picker offers, each ending now. */
export const RANGES = [
  { id: "6h", label: "6 hours", ms: 6 * HOUR_MS },
  { id: "1d", label: "1 day", ms: DAY_MS },
  { id: "3d", label: "3 days", ms: 3 * DAY_MS },
  { id: "1w", label: "1 week", ms: 7 * DAY_MS },
  { id: "1mo", label: "1 month", ms: 30 * DAY_MS },
  { id: "3mo", label: "3 months", ms: 91 * DAY_MS },
  { id: "1y", label: "1 year", ms: 365 * DAY_MS },
  { id: "5y", label: "5 years", ms: 1826 * DAY_MS },
] as const;
export type RangeId = (typeof RANGES)[number]["id"];

/** The most bars one GET /prices/bars page holds (its `limit` ≤ 5000): the chart loads one page. */
export const MAX_CHART_BARS = 5000;
/** Fewer bars than this draw no picture worth a chart. */
export const MIN_CHART_BARS = 2;

export function rangeMs(range: RangeId): number {
  return RANGES.find((candidate) => candidate.id === range)?.ms ?? DAY_MS;
}

/** Whether `range` of `interval` bars fits one chart: at least a couple of bars, at most one page. */
export function rangeFits(range: RangeId, interval: BarInterval): boolean {
  const bars = rangeMs(range) / INTERVAL_MS[interval];
  return bars >= MIN_CHART_BARS && bars <= MAX_CHART_BARS;
}

/** `range` if it fits `interval`, else the fitting range closest to it in length. */
export function nearestFittingRange(range: RangeId, interval: BarInterval): RangeId {
  if (rangeFits(range, interval)) return range;
  const wanted = Math.log(rangeMs(range));
  const fitting = RANGES.filter((candidate) => rangeFits(candidate.id, interval));
  let best: RangeId = range;
  let distance = Infinity;
  for (const candidate of fitting) {
    const from = Math.abs(Math.log(candidate.ms) - wanted);
    if (from < distance) [best, distance] = [candidate.id, from];
  }
  return best;
}

/**
 * The bar a price at `second` belongs to, on the grid of the last loaded bar (providers place bars differently:
 * Yahoo's days start at the exchange's open, Binance's at 00:00 UTC), folded in: the last bar's close, high and
 * low move, or a new bar opens at the price. Undefined for a price older than the last bar (the loaded history
 * already holds it) or when nothing is loaded (there is no grid to place a bar on).
 */
export function foldPrice(last: Candle | undefined, price: number, second: number, interval: BarInterval): Candle | undefined {
  if (!last || second < last.time) return undefined;
  const length = INTERVAL_MS[interval] / 1000;
  const start = last.time + Math.floor((second - last.time) / length) * length;
  if (start === last.time) {
    return { ...last, close: price, high: Math.max(last.high, price), low: Math.min(last.low, price) };
  }
  return { time: start, open: price, high: price, low: price, close: price, volume: null };
}
