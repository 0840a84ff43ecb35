/**
 * src/jobs/ owns polling jobs: their rows in D1 (here), which jobs need a symbol (subscriptions.ts), where their
 * loops run (loops.ts: a symbol object, or the provider's coordinator) and the cron watchdog (watchdog.ts).
 * Polling itself belongs to the objects (src/symbol/, src/coordinator/).
 */
import { and, desc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { ProviderName } from "../providers/provider";
import type { Database } from "../store/db";
import { pollJobs } from "../store/schema";

export type PollJobRow = typeof pollJobs.$inferSelect;

export interface PollJob {
  id: string;
  status: "active" | "stopped";
  symbols: string[];
  interval: number;
  provider: ProviderName;
  pinned: boolean;
  createdAt: number;
  stoppedAt: number | null;
  lastRunAt: number | null;
  runs: number;
  errors: number;
  lastError: string | null;
}

function toJob(row: PollJobRow): PollJob {
  return { ...row, symbols: JSON.parse(row.symbols) as string[], provider: row.provider as ProviderName };
}

export interface NewJob {
  symbols: string[];
  interval: number;
  provider: ProviderName;
  pinned: boolean;
}

function newJobRow(job: NewJob) {
  return {
    id: crypto.randomUUID(),
    status: "active" as const,
    symbols: JSON.stringify(job.symbols),
    interval: job.interval,
    provider: job.provider,
    pinned: job.pinned,
    createdAt: Date.now(),
  };
}

export async function createJob(db: Database, job: NewJob): Promise<PollJob> {
  const [inserted] = await db.insert(pollJobs).values(newJobRow(job)).returning();
  return toJob(inserted!);
}

/**
 * Create an active job only while fewer than `maxActive` jobs are active: the count and the insert are one
 * statement, so concurrent creations cannot all pass a check made before any of them inserted (D1 runs each
 * statement alone). Undefined when the deployment is at its limit.
 */
export async function createJobWithin(db: Database, job: NewJob, maxActive: number): Promise<PollJob | undefined> {
  const row = newJobRow(job);
  const result = await db.run(sql`
    INSERT INTO poll_jobs (id, status, symbols, interval, provider, pinned, created_at)
    SELECT ${row.id}, 'active', ${row.symbols}, ${row.interval}, ${row.provider}, ${row.pinned ? 1 : 0}, ${row.createdAt}
    WHERE (SELECT count(*) FROM poll_jobs WHERE status = 'active') < ${maxActive}`);
  if ((result.meta.changes ?? 0) === 0) return undefined;
  return findJob(db, row.id);
}

/** A job whose loops could not start is stopped at once, with the reason, so nothing looks active that is not. */
export async function stopJobNotStarted(db: Database, id: string, reason: string): Promise<void> {
  await db
    .update(pollJobs)
    .set({ status: "stopped", stoppedAt: Date.now(), lastError: reason.slice(0, 500) })
    .where(eq(pollJobs.id, id));
}

export async function findJob(db: Database, id: string): Promise<PollJob | undefined> {
  const row = await db.select().from(pollJobs).where(eq(pollJobs.id, id)).get();
  return row && toJob(row);
}

export interface JobListQuery {
  status?: "active" | "stopped";
  limit: number;
  /** The last job of the previous page: this page starts after it (newest first: created_at, then id, descending). */
  after?: { createdAt: number; id: string };
}

/** One page of jobs, newest first; `limit + 1` are read so the caller knows whether another page follows. */
export async function listJobs(db: Database, query: JobListQuery): Promise<PollJob[]> {
  const conditions = [];
  if (query.status !== undefined) conditions.push(eq(pollJobs.status, query.status));
  if (query.after !== undefined) {
    const { createdAt, id } = query.after;
    conditions.push(or(lt(pollJobs.createdAt, createdAt), and(eq(pollJobs.createdAt, createdAt), lt(pollJobs.id, id))));
  }
  const rows = await db
    .select()
    .from(pollJobs)
    .where(and(...conditions))
    .orderBy(desc(pollJobs.createdAt), desc(pollJobs.id))
    .limit(query.limit);
  return rows.map(toJob);
}

/** Retention of stopped jobs: those stopped before `cutoff` are deleted. Active jobs are never touched. */
export async function purgeStoppedJobs(db: Database, cutoff: number): Promise<number> {
  const result = await db.delete(pollJobs).where(and(eq(pollJobs.status, "stopped"), lt(pollJobs.stoppedAt, cutoff))).run();
  return result.meta.changes ?? 0;
}

export async function listActiveJobs(db: Database): Promise<PollJob[]> {
  const rows = await db.select().from(pollJobs).where(eq(pollJobs.status, "active"));
  return rows.map(toJob);
}

export async function countActiveJobs(db: Database): Promise<number> {
  const row = await db.select({ count: sql<number>`count(*)` }).from(pollJobs).where(eq(pollJobs.status, "active")).get();
  return row?.count ?? 0;
}

/** Stop a job; stopping a stopped job changes nothing. */
export async function stopJob(db: Database, id: string): Promise<PollJob | undefined> {
  await db
    .update(pollJobs)
    .set({ status: "stopped", stoppedAt: Date.now() })
    .where(and(eq(pollJobs.id, id), eq(pollJobs.status, "active")));
  return findJob(db, id);
}

/** Which of these jobs are still active (loops drop the others). */
export async function activeAmong(db: Database, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const active = new Set<string>();
  // Chunked: D1 allows 100 bound parameters per statement.
  for (let start = 0; start < ids.length; start += 90) {
    const rows = await db
      .select({ id: pollJobs.id })
      .from(pollJobs)
      .where(and(inArray(pollJobs.id, ids.slice(start, start + 90)), eq(pollJobs.status, "active")));
    for (const row of rows) active.add(row.id);
  }
  return active;
}

/** What one loop's polls did for one job: polls (runs), failed polls (errors), and the last failure's message. */
export interface JobTally {
  runs: number;
  errors: number;
  lastError?: string;
  /** When the job's loop polls next: the earliest next due time of its symbols. */
  nextRunAt: number;
}

/**
 * Count polls in the jobs that asked for them: one statement whatever the number of jobs (D1 allows 50
 * queries per invocation on the Free plan, and a round may serve a thousand jobs). A job stopped while a poll of
 * it was under way keeps the counts it was stopped with.
 */
export async function recordJobRuns(db: Database, tallies: ReadonlyMap<string, JobTally>, at: number): Promise<void> {
  if (tallies.size === 0) return;
  const rows = JSON.stringify([...tallies].map(([id, tally]) => ({
      id,
      runs: tally.runs,
      errors: tally.errors,
      error: tally.lastError?.slice(0, 500) ?? null,
      next: tally.nextRunAt,
    })));
  await db.run(sql`
    UPDATE poll_jobs
    SET runs = poll_jobs.runs + tally.polls, errors = poll_jobs.errors + tally.failures, last_run_at = ${at},
        last_error = coalesce(tally.failure, poll_jobs.last_error), next_run_at = tally.next_run
    FROM (
      SELECT json_extract(value, '$.id') AS job_id, json_extract(value, '$.runs') AS polls,
             json_extract(value, '$.errors') AS failures, json_extract(value, '$.error') AS failure,
             json_extract(value, '$.next') AS next_run
      FROM json_each(${rows})
    ) AS tally
    WHERE poll_jobs.id = tally.job_id AND poll_jobs.status = 'active'`);
}

/**
 * Active jobs whose loops look lost: never ran, or their next planned poll (or, before one was planned, their
 * last run plus their interval) is more than the grace in the past. A loop backing off from a rate limit
 * planned its next poll late on purpose and is not lost.
 */
export async function jobsLookingStalled(db: Database, now: number, graceMs: number): Promise<PollJob[]> {
  const rows = await db
    .select()
    .from(pollJobs)
    .where(
      and(
        eq(pollJobs.status, "active"),
        lt(pollJobs.createdAt, now - graceMs),
        or(
          isNull(pollJobs.lastRunAt),
          lt(sql`coalesce(${pollJobs.nextRunAt}, ${pollJobs.lastRunAt} + ${pollJobs.interval} * 1000)`, now - graceMs),
        ),
      ),
    );
  return rows.map(toJob);
}
