/**
 * Bars of stored price points (source=points): open = the bucket's first point, close = its last, high/low its
 * extremes, volume null. One statement, driven by price_points' (symbol, provider, ts) index: the range scan
 * touches only the points of the bars asked for (at most limit + 1 buckets), so a long history costs nothing.
 */
import { sql } from "drizzle-orm";
import { INTERVAL_MS, type Bar, type BarInterval } from "../providers/history";
import type { Database } from "../store/db";
import type { Span } from "./coverage";

/** 1970-01-05, a Monday: weekly buckets start on Mondays, as the providers' weekly bars do. */
const WEEK_ORIGIN = 4 * 86_400_000;

const originOf = (interval: BarInterval): number => (interval === "1wk" ? WEEK_ORIGIN : 0);

/** The first bucket start at or after `instant`. */
export function bucketAtOrAfter(instant: number, interval: BarInterval): number {
  const length = INTERVAL_MS[interval];
  const origin = originOf(interval);
  return Math.ceil((instant - origin) / length) * length + origin;
}

/** Bars starting in [from, to) from the points of `symbol` by `provider`, oldest first, at most `limit`. */
export async function barsFromPoints(
  db: Database,
  series: { symbol: string; provider: string; interval: BarInterval },
  span: Span,
  limit: number,
): Promise<Bar[]> {
  const length = INTERVAL_MS[series.interval];
  const origin = originOf(series.interval);
  const first = bucketAtOrAfter(span.from, series.interval);
  // Whole buckets only: a bar that starts before `to` keeps all of its points.
  const end = Math.min(bucketAtOrAfter(span.to, series.interval), first + limit * length);
  if (end <= first) return [];
  const { symbol, provider } = series;
  const rows = await db.all<{ start: number; open: number; high: number; low: number; close: number }>(sql`
    WITH buckets AS (
      -- D1 binds numbers as REAL: the casts keep the division whole.
      SELECT (CAST(ts - ${origin} AS INTEGER) / CAST(${length} AS INTEGER)) * ${length} + ${origin} AS start,
        MIN(ts) AS first_ts, MAX(ts) AS last_ts, MIN(price) AS low, MAX(price) AS high
      FROM price_points
      WHERE symbol = ${symbol} AND provider = ${provider} AND ts >= ${first} AND ts < ${end}
      GROUP BY start
    )
    SELECT b.start AS start, o.price AS open, b.high AS high, b.low AS low, c.price AS close
    FROM buckets AS b
    JOIN price_points AS o ON o.symbol = ${symbol} AND o.provider = ${provider} AND o.ts = b.first_ts
    JOIN price_points AS c ON c.symbol = ${symbol} AND c.provider = ${provider} AND c.ts = b.last_ts
    ORDER BY b.start`);
  return rows.map((row) => ({ timestamp: row.start, open: row.open, high: row.high, low: row.low, close: row.close, volume: null, adjustedClose: null }));
}
