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

export async function createJob(db: Database, job: NewJob): Promise<PollJob> {
  const row = {
    id: crypto.randomUUID(),
    status: "active" as const,
    symbols: JSON.stringify(job.symbols),
    interval: job.interval,
    provider: job.provider,
    pinned: job.pinned,
    createdAt: Date.now(),
  };
  const [inserted] = await db.insert(pollJobs).values(row).returning();
  return toJob(inserted!);
}

export async function findJob(db: Database, id: string): Promise<PollJob | undefined> {
  const row = await db.select().from(pollJobs).where(eq(pollJobs.id, id)).get();
  return row && toJob(row);
}

export async function listJobs(db: Database, limit = 1000): Promise<PollJob[]> {
  const rows = await db.select().from(pollJobs).orderBy(desc(pollJobs.createdAt)).limit(limit);
  return rows.map(toJob);
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

export type RunResult = { ok: true; at: number } | { ok: false; at: number; error: string };

/**
 * Count polls for the jobs that asked for them: `polls` maps a job id to how many of its symbols were polled
 * (runs), and, when the polls failed, as many errors. One statement per distinct count, in chunks.
 */
export async function recordJobRuns(db: Database, polls: ReadonlyMap<string, number>, result: RunResult): Promise<void> {
  const byCount = new Map<number, string[]>();
  for (const [id, count] of polls) byCount.set(count, [...(byCount.get(count) ?? []), id]);
  for (const [count, ids] of byCount) {
    for (let start = 0; start < ids.length; start += 90) {
      const chunk = ids.slice(start, start + 90);
      await db
        .update(pollJobs)
        .set(
          result.ok
            ? { runs: sql`${pollJobs.runs} + ${count}`, lastRunAt: result.at }
            : {
                runs: sql`${pollJobs.runs} + ${count}`,
                errors: sql`${pollJobs.errors} + ${count}`,
                lastRunAt: result.at,
                lastError: result.error.slice(0, 500),
              },
        )
        .where(inArray(pollJobs.id, chunk));
    }
  }
}

/** Active jobs whose loops look lost: never ran, or last ran longer ago than their interval allows. */
export async function jobsLookingStalled(db: Database, now: number, graceMs: number): Promise<PollJob[]> {
  const rows = await db
    .select()
    .from(pollJobs)
    .where(
      and(
        eq(pollJobs.status, "active"),
        lt(pollJobs.createdAt, now - graceMs),
        or(isNull(pollJobs.lastRunAt), lt(pollJobs.lastRunAt, sql`${now} - ${pollJobs.interval} * 1000 - ${graceMs}`)),
      ),
    );
  return rows.map(toJob);
}
