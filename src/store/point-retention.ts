/**
 * POINT_RETENTION_DAYS: points older than the retention are deleted by the cron, a bounded chunk at a time,
 * except each symbol's newest `keepNewest` points (latest, moving averages and dedupe keep working for a symbol
 * nobody polls any more). It walks the (symbol, provider) pairs along price_points' unique index, so no
 * statement scans the table: a pass visits every pair once, carries on over as many cron runs as it needs, and
 * the next pass starts an hour after one ends.
 */
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { tryParseJson } from "../wire/json";
import type { Database } from "./db";
import { housekeeping } from "./schema";

const TASK = "point-retention";
/** Pairs one delete statement covers. */
const PAIRS_PER_CHUNK = 50;
/** Rows one delete statement removes at most: well inside D1's time per statement. */
export const POINTS_PER_STATEMENT = 5_000;
/** Chunks per cron run: two statements each, beside the other housekeeping, inside D1's 50 queries per invocation on Free. */
const CHUNKS_PER_RUN = 4;
/** A pass that reached the last pair rests this long: the next one finds an hour's worth of points to delete. */
const PAUSE_BETWEEN_PASSES_MS = 3_600_000;

type Pair = [symbol: string, provider: string];

const ProgressSchema = z.object({
  /** The last pair done in this pass; null: the pass starts at the first. */
  after: z.tuple([z.string(), z.string()]).nullable(),
  /** No pass starts before this, epoch ms. */
  restUntil: z.number(),
});
type Progress = z.infer<typeof ProgressSchema>;

export interface RetentionPolicy {
  /** Points with a quote time before this (epoch ms) go... */
  cutoff: number;
  /** ...unless they are among their symbol's newest this many. */
  keepNewest: number;
}

/** One cron run's share of the retention: deletes at most CHUNKS_PER_RUN × POINTS_PER_STATEMENT points; answers how many. */
export async function prunePoints(db: Database, policy: RetentionPolicy, now: number): Promise<number> {
  let progress = await readProgress(db);
  if (now < progress.restUntil) return 0;
  let deleted = 0;
  for (let chunk = 0; chunk < CHUNKS_PER_RUN; chunk++) {
    const pairs = await pairsAfter(db, progress.after ?? ["", ""], PAIRS_PER_CHUNK);
    const last = pairs.at(-1);
    if (!last) {
      progress = { after: null, restUntil: now + PAUSE_BETWEEN_PASSES_MS };
      break;
    }
    const removed = await deleteExpired(db, pairs, policy);
    deleted += removed;
    // A full statement may have left more of these pairs' points: the next chunk takes the same pairs again.
    if (removed < POINTS_PER_STATEMENT) progress = { ...progress, after: last };
  }
  await saveProgress(db, progress, now);
  return deleted;
}

/**
 * The next `count` distinct (symbol, provider) pairs after `after`, in index order: each one a seek in the unique
 * index (a recursive skip over it), so a symbol's many points are never read to find the next symbol.
 */
async function pairsAfter(db: Database, after: Pair, count: number): Promise<Pair[]> {
  const rows = await db.all<{ symbol: string; provider: string }>(sql`
    WITH RECURSIVE pairs(n, symbol, provider) AS (
      SELECT 0, ${after[0]}, ${after[1]}
      UNION ALL
      SELECT pairs.n + 1, next.symbol, next.provider FROM pairs
      JOIN price_points AS next ON next.id = (
        SELECT candidate.id FROM price_points AS candidate
        WHERE (candidate.symbol, candidate.provider) > (pairs.symbol, pairs.provider)
        ORDER BY candidate.symbol, candidate.provider LIMIT 1)
      WHERE pairs.n < CAST(${count} AS INTEGER)
    )
    SELECT symbol, provider FROM pairs WHERE n > 0`);
  return rows.map((row) => [row.symbol, row.provider]);
}

/** One statement: these pairs' points before the cutoff and behind their newest `keepNewest`, at most POINTS_PER_STATEMENT. */
async function deleteExpired(db: Database, pairs: readonly Pair[], policy: RetentionPolicy): Promise<number> {
  // D1 binds numbers as REAL: LIMIT and OFFSET need the casts.
  const result = await db.run(sql`
    WITH targets AS MATERIALIZED (
      SELECT json_extract(value, '$[0]') AS symbol, json_extract(value, '$[1]') AS provider FROM json_each(${JSON.stringify(pairs)})
    ), bounds AS MATERIALIZED (
      -- Only a pair whose oldest point is past the cutoff pays for finding its newest keepNewest.
      SELECT symbol, provider, CASE WHEN (
        SELECT oldest.ts FROM price_points AS oldest WHERE oldest.symbol = targets.symbol AND oldest.provider = targets.provider
        ORDER BY oldest.ts LIMIT 1) < ${policy.cutoff}
      THEN min(${policy.cutoff}, coalesce((
        SELECT kept.ts FROM price_points AS kept WHERE kept.symbol = targets.symbol AND kept.provider = targets.provider
        ORDER BY kept.ts DESC LIMIT 1 OFFSET CAST(${policy.keepNewest - 1} AS INTEGER)), -1))
      ELSE -1 END AS before
      FROM targets
    )
    DELETE FROM price_points WHERE id IN (
      SELECT old.id FROM bounds JOIN price_points AS old
        ON old.symbol = bounds.symbol AND old.provider = bounds.provider AND old.ts < bounds.before
      LIMIT CAST(${POINTS_PER_STATEMENT} AS INTEGER))`);
  return result.meta.changes ?? 0;
}

async function readProgress(db: Database): Promise<Progress> {
  const [row] = await db.select({ value: housekeeping.value }).from(housekeeping).where(eq(housekeeping.task, TASK));
  const parsed = row ? ProgressSchema.safeParse(tryParseJson(row.value)) : undefined;
  return parsed?.success ? parsed.data : { after: null, restUntil: 0 };
}

async function saveProgress(db: Database, progress: Progress, now: number): Promise<void> {
  const value = JSON.stringify(progress);
  await db
    .insert(housekeeping)
    .values({ task: TASK, value, updatedAt: now })
    .onConflictDoUpdate({ target: housekeeping.task, set: { value, updatedAt: now } });
}
