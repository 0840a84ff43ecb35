/** D1 side of bars: idempotent upserts, range reads, and the windows already fetched (coverage). */
import { and, asc, eq, gt, gte, lt, sql } from "drizzle-orm";
import type { Bar, BarInterval } from "../providers/history";
import type { ProviderName } from "../providers/provider";
import type { Database } from "../store/db";
import { barCoverage, priceBars } from "../store/schema";
import type { Span } from "./coverage";

export interface BarSeries {
  symbol: string;
  provider: ProviderName;
  interval: BarInterval;
}

/** Bars per statement: all of them travel as ONE bound JSON parameter, so D1's 100-parameter bound is no limit. */
const BARS_PER_STATEMENT = 1000;

/**
 * Insert or correct bars (a bar still forming when it was first fetched changes later); an identical bar is not
 * written again, so a repeated fetch stores nothing. Returns how many rows were written.
 */
export async function upsertBars(db: Database, series: BarSeries, bars: readonly Bar[], rawResponseId: string): Promise<number> {
  let written = 0;
  const now = Date.now();
  for (let start = 0; start < bars.length; start += BARS_PER_STATEMENT) {
    const rows = bars.slice(start, start + BARS_PER_STATEMENT).map((bar) => [bar.timestamp, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.adjustedClose]);
    const result = await db.run(sql`
      INSERT INTO price_bars (symbol, provider, interval, ts, open, high, low, close, volume, adjusted_close, raw_response_id, created_at)
      SELECT ${series.symbol}, ${series.provider}, ${series.interval},
        json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
        json_extract(value, '$[4]'), json_extract(value, '$[5]'), json_extract(value, '$[6]'), ${rawResponseId}, ${now}
      FROM json_each(${JSON.stringify(rows)}) WHERE true
      ON CONFLICT (symbol, provider, interval, ts) DO UPDATE SET
        open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
        volume = excluded.volume, adjusted_close = excluded.adjusted_close, raw_response_id = excluded.raw_response_id
      WHERE price_bars.open IS NOT excluded.open OR price_bars.high IS NOT excluded.high OR price_bars.low IS NOT excluded.low
        OR price_bars.close IS NOT excluded.close OR price_bars.volume IS NOT excluded.volume
        OR price_bars.adjusted_close IS NOT excluded.adjusted_close`);
    written += result.meta.changes ?? 0;
  }
  return written;
}

/** Stored bars in [from, to), oldest first. */
export async function readBars(db: Database, series: BarSeries, span: Span, limit: number): Promise<Bar[]> {
  return db
    .select({
      timestamp: priceBars.timestamp,
      open: priceBars.open,
      high: priceBars.high,
      low: priceBars.low,
      close: priceBars.close,
      volume: priceBars.volume,
      adjustedClose: priceBars.adjustedClose,
    })
    .from(priceBars)
    .where(
      and(
        eq(priceBars.symbol, series.symbol),
        eq(priceBars.provider, series.provider),
        eq(priceBars.interval, series.interval),
        gte(priceBars.timestamp, span.from),
        lt(priceBars.timestamp, span.to),
      ),
    )
    .orderBy(asc(priceBars.timestamp))
    .limit(limit);
}

/** Fetched windows that overlap [from, to), by start. */
export async function readCoverage(db: Database, series: BarSeries, span: Span): Promise<Span[]> {
  return db
    .select({ from: barCoverage.from, to: barCoverage.to })
    .from(barCoverage)
    .where(
      and(
        eq(barCoverage.symbol, series.symbol),
        eq(barCoverage.provider, series.provider),
        eq(barCoverage.interval, series.interval),
        lt(barCoverage.from, span.to),
        gt(barCoverage.to, span.from),
      ),
    )
    .orderBy(asc(barCoverage.from));
}

export async function addCoverage(db: Database, series: BarSeries, span: Span): Promise<void> {
  if (span.to <= span.from) return;
  await db.insert(barCoverage).values({ ...series, from: span.from, to: span.to, fetchedAt: Date.now() });
}
