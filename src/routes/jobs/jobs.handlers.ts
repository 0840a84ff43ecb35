import type { z } from "@hono/zod-openapi";
import type { AppRouteHandler } from "../../app-env";
import { readConfig, type Env } from "../../env";
import { ApiError } from "../../errors";
import { startLoops, stopLoops } from "../../jobs/loops";
import { createJobWithin, findJob, listJobs, stopJob, stopJobNotStarted, type PollJob } from "../../jobs/store";
import { notConfigured, requireAcceptedSymbols } from "../../providers/parse";
import { getProvider, isConfigured } from "../../providers/registry";
import type { JobSchema } from "../../schemas/job";
import { encodeCursor } from "../../schemas/cursor";
import { database, type Database } from "../../store/db";
import { DEFAULT_JOBS_PAGE, type createJobRoute, type getJobRoute, type listJobsRoute, type stopJobRoute } from "./jobs.routes";

export const createPollJob: AppRouteHandler<typeof createJobRoute> = async (c) => {
  const body = c.req.valid("json");
  const config = readConfig(c.env);
  const provider = body.provider ?? config.DEFAULT_PROVIDER;
  if (body.symbols.length > config.MAX_SYMBOLS_PER_JOB) {
    throw new ApiError("invalid_request", `a job may poll at most ${config.MAX_SYMBOLS_PER_JOB} symbols`);
  }
  requireAcceptedSymbols(getProvider(provider), body.symbols);
  const { minInterval } = getProvider(provider);
  if (body.interval < minInterval) {
    throw new ApiError("invalid_request", `${provider} can be polled every ${minInterval} seconds at most often; interval must be >= ${minInterval}`);
  }
  if (!isConfigured(config, provider)) {
    throw notConfigured(provider);
  }
  const db = database(c.env.DB);
  const job = await createJobWithin(db, { symbols: body.symbols, interval: body.interval, provider, pinned: body.provider !== undefined }, config.MAX_ACTIVE_JOBS);
  if (!job) throw new ApiError("invalid_request", `this deployment runs at most ${config.MAX_ACTIVE_JOBS} active jobs; stop one first`);
  await startOrStop(c.env, db, job);
  return c.json({ job_id: job.id, status: "accepted" as const, config: jobBody(job).config }, 202);
};

/**
 * Start the job's loops; when that fails, the job is stopped (and whatever did subscribe is unsubscribed) before
 * the client hears 503: nothing stays active that is not polled, and a retry cannot leave a duplicate running.
 */
async function startOrStop(env: Env, db: Database, job: PollJob): Promise<void> {
  try {
    await startLoops(env, job);
  } catch (error) {
    const reason = `its polling could not start: ${error instanceof Error ? error.message : String(error)}`;
    await stopJobNotStarted(db, job.id, reason);
    await stopLoops(env, job).catch((cleanup: unknown) => console.warn(`job ${job.id}: unsubscribing after a failed start failed too: ${String(cleanup)}`));
    console.error(`job ${job.id}: ${reason}`);
    throw new ApiError("service_unavailable", `the job's polling could not be started, so job ${job.id} was stopped at once; retry later`, { retry_after: 5 });
  }
}

export const listPollJobs: AppRouteHandler<typeof listJobsRoute> = async (c) => {
  const { status, limit = DEFAULT_JOBS_PAGE, cursor } = c.req.valid("query");
  const after = cursor && { createdAt: cursor[0], id: cursor[1] };
  const jobs = await listJobs(database(c.env.DB), { status, limit: limit + 1, after });
  const page = jobs.slice(0, limit);
  const last = page.at(-1);
  const next = jobs.length > limit && last ? encodeCursor([last.createdAt, last.id]) : null;
  return c.json({ jobs: page.map(jobBody), next_cursor: next }, 200);
};

function jobNotFound(id: string): ApiError {
  return new ApiError("job_not_found", `no job with id ${id.slice(0, 100)}`);
}

export const getPollJob: AppRouteHandler<typeof getJobRoute> = async (c) => {
  const { job_id } = c.req.valid("param");
  const job = await findJob(database(c.env.DB), job_id);
  if (!job) throw jobNotFound(job_id);
  return c.json(jobBody(job), 200);
};

export const stopPollJob: AppRouteHandler<typeof stopJobRoute> = async (c) => {
  const { job_id } = c.req.valid("param");
  const job = await stopJob(database(c.env.DB), job_id);
  if (!job) throw jobNotFound(job_id);
  await stopLoops(c.env, job);
  return c.json(jobBody(job), 200);
};

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());

function jobBody(job: PollJob): z.infer<typeof JobSchema> {
  return {
    job_id: job.id,
    status: job.status,
    config: { symbols: job.symbols, interval: job.interval, provider: job.provider },
    created_at: new Date(job.createdAt).toISOString(),
    stopped_at: iso(job.stoppedAt),
    last_run_at: iso(job.lastRunAt),
    runs: job.runs,
    errors: job.errors,
    last_error: job.lastError,
  };
}
