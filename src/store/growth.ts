import { and, asc, gte, lte } from "drizzle-orm";
import type { Database } from "./db";
import { storageSamples } from "./schema";

/** The warning fires at this share of the database's limit... */
const WARN_AT_SHARE = 0.8;
/** ...or when the growth of the last day would reach the limit within this many days: time to act before it does. */
export const WARN_DAYS_AHEAD = 30;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The cron samples the size at most this often... */
const SAMPLE_EVERY_MS = HOUR_MS;
/** ...and keeps samples this long: /health needs the one of a day ago, the rest is slack for a cron that missed runs. */
const KEEP_SAMPLES_MS = 8 * DAY_MS;
/** Growth is measured over the last day, and not before an hour of it has been sampled (too short to mean much). */
const MEASURE_OVER_MS = DAY_MS;
const MEASURE_AT_LEAST_MS = HOUR_MS;
/** A limit further away than this is no date worth showing (and past what a Date can hold at a tiny growth). */
const CENTURY_DAYS = 36_525;

export interface StorageGrowth {
  /** Net change of the database's size per day (negative while it shrinks), over `measured_hours`. */
  bytes_per_day: number;
  /** Points stored per day over the same span (before any retention deleted them). */
  points_per_day: number;
  measured_hours: number;
  /** When the database reaches its limit at this rate, ISO-8601; null while it does not grow (or not within a century). */
  limit_reached_at: string | null;
}

export interface StorageHealth {
  database_bytes: number;
  limit_bytes: number;
  /** Null until the cron has sampled the size for an hour. */
  growth: StorageGrowth | null;
  /** Set once the database nears its limit, or will at its current growth within WARN_DAYS_AHEAD: beyond it every write fails. */
  warning: string | null;
}

interface SizeNow {
  bytes: number;
  /** price_points ids only grow (AUTOINCREMENT), so two of these count the points stored in between. */
  newestPointId: number;
}

/** The database's size, as D1 reports it with every answer, and the newest point's id, in one statement. */
async function sizeNow(db: Database): Promise<SizeNow> {
  const result = await db.$client.prepare("SELECT coalesce(max(id), 0) AS newest FROM price_points").all<{ newest: number }>();
  return { bytes: result.meta.size_after ?? 0, newestPointId: result.results[0]?.newest ?? 0 };
}

/**
 * Cron housekeeping: a sample of the database's size when the newest is an hour old, and samples past
 * KEEP_SAMPLES_MS deleted. A few rows in all; a minute's run costs one size read and one conditional insert.
 */
export async function sampleStorage(db: Database, now: number): Promise<void> {
  const size = await sizeNow(db);
  await db.$client.batch([
    db.$client
      .prepare(
        `INSERT INTO storage_samples (sampled_at, database_bytes, newest_point_id) SELECT ?1, ?2, ?3
         WHERE NOT EXISTS (SELECT 1 FROM storage_samples WHERE sampled_at > ?1 - ?4)`,
      )
      .bind(now, size.bytes, size.newestPointId, SAMPLE_EVERY_MS),
    db.$client.prepare("DELETE FROM storage_samples WHERE sampled_at < ?").bind(now - KEEP_SAMPLES_MS),
  ]);
}

/** The database's size against its limit, its growth over the last day, and a warning before the limit. */
export async function storageHealth(db: Database, limitBytes: number, now = Date.now()): Promise<StorageHealth> {
  const size = await sizeNow(db);
  const growth = await growthSince(db, size, limitBytes, now);
  return { database_bytes: size.bytes, limit_bytes: limitBytes, growth, warning: storageWarning(size.bytes, limitBytes, growth, now) };
}

/** From the oldest sample of the last day (at least an hour old) to now. */
async function growthSince(db: Database, size: SizeNow, limitBytes: number, now: number): Promise<StorageGrowth | null> {
  const [sample] = await db
    .select()
    .from(storageSamples)
    .where(and(gte(storageSamples.sampledAt, now - MEASURE_OVER_MS), lte(storageSamples.sampledAt, now - MEASURE_AT_LEAST_MS)))
    .orderBy(asc(storageSamples.sampledAt))
    .limit(1);
  if (!sample) return null;
  const days = (now - sample.sampledAt) / DAY_MS;
  const bytesPerDay = Math.round((size.bytes - sample.databaseBytes) / days);
  const daysLeft = bytesPerDay > 0 ? Math.max(0, limitBytes - size.bytes) / bytesPerDay : Infinity;
  return {
    bytes_per_day: bytesPerDay,
    points_per_day: Math.round(Math.max(0, size.newestPointId - sample.newestPointId) / days),
    measured_hours: Math.round(days * 24 * 10) / 10,
    limit_reached_at: daysLeft > CENTURY_DAYS ? null : new Date(now + daysLeft * DAY_MS).toISOString(),
  };
}

const megabytes = (value: number) => `${Math.round(value / 1_048_576)} MB`;
const REMEDY = "set POINT_RETENTION_DAYS, lower RAW_RETENTION_DAYS, poll fewer symbols or less often";

function storageWarning(bytes: number, limitBytes: number, growth: StorageGrowth | null, now: number): string | null {
  if (bytes >= limitBytes * WARN_AT_SHARE) {
    return `the database holds ${megabytes(bytes)} of its ${megabytes(limitBytes)} limit; every write fails beyond it (${REMEDY})`;
  }
  const reachedAt = growth?.limit_reached_at;
  if (!growth || !reachedAt) return null;
  const daysLeft = (Date.parse(reachedAt) - now) / DAY_MS;
  if (daysLeft > WARN_DAYS_AHEAD) return null;
  return `at ${megabytes(growth.bytes_per_day)} a day the database reaches its ${megabytes(limitBytes)} limit in about ${Math.round(daysLeft)} days (${reachedAt.slice(0, 10)}); every write fails beyond it (${REMEDY})`;
}
