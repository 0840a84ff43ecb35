/** backfill_jobs rows: what GET /prices/backfill answers. The job's object is the only writer after creation. */
import { and, desc, eq, lt, or } from "drizzle-orm";
import type { BarInterval } from "../providers/history";
import type { ProviderName } from "../providers/provider";
import type { Database } from "../store/db";
import { backfillJobs } from "../store/schema";

export type BackfillStatus = "queued" | "running" | "done" | "failed" | "cancelled";

export interface BackfillConfig {
  symbols: string[];
  interval: BarInterval;
  /** Epoch ms, [from, to). */
  from: number;
  to: number;
  provider: ProviderName;
}

export interface BackfillStep {
  symbol: string;
  from: number;
  to: number;
}

export interface BackfillError extends BackfillStep {
  code: string;
  message: string;
}

export interface BackfillProgress {
  status: BackfillStatus;
  requestsDone: number;
  requestsPlanned: number;
  barsStored: number;
  current: BackfillStep | null;
  errors: BackfillError[];
  finishedAt: number | null;
}

export interface BackfillJob extends BackfillProgress {
  id: string;
  config: BackfillConfig;
  createdAt: number;
}

export async function insertBackfill(db: Database, job: BackfillJob): Promise<void> {
  await db.insert(backfillJobs).values({
    id: job.id,
    status: job.status,
    config: JSON.stringify(job.config),
    requestsDone: job.requestsDone,
    requestsPlanned: job.requestsPlanned,
    barsStored: job.barsStored,
    current: job.current && JSON.stringify(job.current),
    errors: JSON.stringify(job.errors),
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
  });
}

export async function writeProgress(db: Database, id: string, progress: BackfillProgress): Promise<void> {
  await db
    .update(backfillJobs)
    .set({
      status: progress.status,
      requestsDone: progress.requestsDone,
      requestsPlanned: progress.requestsPlanned,
      barsStored: progress.barsStored,
      current: progress.current && JSON.stringify(progress.current),
      errors: JSON.stringify(progress.errors),
      finishedAt: progress.finishedAt,
    })
    .where(eq(backfillJobs.id, id));
}

type Row = typeof backfillJobs.$inferSelect;

function jobOf(row: Row): BackfillJob {
  return {
    id: row.id,
    status: row.status,
    config: JSON.parse(row.config) as BackfillConfig,
    requestsDone: row.requestsDone,
    requestsPlanned: row.requestsPlanned,
    barsStored: row.barsStored,
    current: row.current ? (JSON.parse(row.current) as BackfillStep) : null,
    errors: JSON.parse(row.errors) as BackfillError[],
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
  };
}

export async function readBackfill(db: Database, id: string): Promise<BackfillJob | undefined> {
  const [row] = await db.select().from(backfillJobs).where(eq(backfillJobs.id, id)).limit(1);
  return row && jobOf(row);
}

/** Newest first; `after` is the (created_at, id) of the last job of the previous page. */
export async function listBackfills(db: Database, limit: number, after?: { createdAt: number; id: string }): Promise<BackfillJob[]> {
  const older = after
    ? or(lt(backfillJobs.createdAt, after.createdAt), and(eq(backfillJobs.createdAt, after.createdAt), lt(backfillJobs.id, after.id)))
    : undefined;
  const rows = await db.select().from(backfillJobs).where(older).orderBy(desc(backfillJobs.createdAt), desc(backfillJobs.id)).limit(limit);
  return rows.map(jobOf);
}
