/** Backfill jobs as the routes see them: create (row + object), read, list, cancel. */
import type { Env } from "../env";
import { ApiError } from "../errors";
import { backfillObject } from "../objects/backfill";
import { requireFewRequests } from "../providers/history";
import { getHistoryProvider } from "../providers/history-registry";
import { database } from "../store/db";
import { requireInterval } from "./bars";
import { insertBackfill, listBackfills, readBackfill, writeProgress, type BackfillConfig, type BackfillJob } from "./backfill-store";

export async function createBackfill(env: Env, config: BackfillConfig): Promise<BackfillJob> {
  requireInterval(config.provider, config.interval);
  if (config.from >= config.to) throw new ApiError("invalid_request", "from: must be before to");
  const [first] = config.symbols;
  const perSymbol = getHistoryProvider(config.provider).split({ symbol: first ?? "", interval: config.interval, from: config.from, to: config.to }).length;
  requireFewRequests(perSymbol * config.symbols.length);
  const job: BackfillJob = {
    id: crypto.randomUUID(),
    config,
    status: "queued",
    requestsDone: 0,
    requestsPlanned: 0,
    barsStored: 0,
    current: null,
    errors: [],
    createdAt: Date.now(),
    finishedAt: null,
  };
  const db = database(env.DB);
  await insertBackfill(db, job);
  await backfillObject(env, job.id).start(job);
  return (await readBackfill(db, job.id)) ?? job;
}

export async function getBackfill(env: Env, id: string): Promise<BackfillJob> {
  const job = await readBackfill(database(env.DB), id);
  if (!job) throw new ApiError("job_not_found", `no backfill with id ${id.slice(0, 100)}`);
  return job;
}

export async function cancelBackfill(env: Env, id: string): Promise<BackfillJob> {
  const job = await getBackfill(env, id);
  const progress = await backfillObject(env, id).cancel();
  // A job whose object never started (a failure between the row and the object) is cancelled in its row.
  if (!progress && (job.status === "queued" || job.status === "running")) {
    await writeProgress(database(env.DB), id, { ...job, status: "cancelled", current: null, finishedAt: Date.now() });
  }
  return getBackfill(env, id);
}

export interface BackfillPage {
  jobs: BackfillJob[];
  /** The last job of this page, when there are more. */
  last: BackfillJob | null;
}

export async function listBackfillPage(env: Env, limit: number, after?: { createdAt: number; id: string }): Promise<BackfillPage> {
  const jobs = await listBackfills(database(env.DB), limit + 1, after);
  const page = jobs.slice(0, limit);
  return { jobs: page, last: jobs.length > limit ? (page.at(-1) ?? null) : null };
}
