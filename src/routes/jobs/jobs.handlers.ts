import type { AppRouteHandler } from "../../app-env";
import { readConfig } from "../../env";
import { ApiError } from "../../errors";
import { startLoops, stopLoops } from "../../jobs/loops";
import { countActiveJobs, createJob, findJob, listJobs, stopJob } from "../../jobs/store";
import { getProvider, isConfigured } from "../../providers/registry";
import { jobBody } from "../../schemas/job";
import { database } from "../../store/db";
import type { createJobRoute, getJobRoute, listJobsRoute, stopJobRoute } from "./jobs.routes";

export const createPollJob: AppRouteHandler<typeof createJobRoute> = async (c) => {
  const body = c.req.valid("json");
  const config = readConfig(c.env);
  const provider = body.provider ?? config.DEFAULT_PROVIDER;
  if (body.symbols.length > config.MAX_SYMBOLS_PER_JOB) {
    throw new ApiError("invalid_request", `a job may poll at most ${config.MAX_SYMBOLS_PER_JOB} symbols`);
  }
  const { minInterval } = getProvider(provider);
  if (body.interval < minInterval) {
    throw new ApiError("invalid_request", `${provider} can be polled every ${minInterval} seconds at most often; interval must be >= ${minInterval}`);
  }
  if (!isConfigured(config, provider)) {
    throw new ApiError("provider_not_configured", `${provider} needs an API key, and none is configured`, { provider });
  }
  const db = database(c.env.DB);
  if ((await countActiveJobs(db)) >= config.MAX_ACTIVE_JOBS) {
    throw new ApiError("invalid_request", `this deployment runs at most ${config.MAX_ACTIVE_JOBS} active jobs; stop one first`);
  }
  const job = await createJob(db, { symbols: body.symbols, interval: body.interval, provider, pinned: body.provider !== undefined });
  await startLoops(c.env, job);
  return c.json({ job_id: job.id, status: "accepted" as const, config: jobBody(job).config }, 202);
};

export const listPollJobs: AppRouteHandler<typeof listJobsRoute> = async (c) => {
  const jobs = await listJobs(database(c.env.DB));
  return c.json({ jobs: jobs.map(jobBody) }, 200);
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
