import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env";
import { createPollJob, getPollJob, listPollJobs, stopPollJob } from "./jobs.handlers";
import { createJobRoute, getJobRoute, listJobsRoute, stopJobRoute } from "./jobs.routes";

export function jobsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createJobRoute, createPollJob).openapi(listJobsRoute, listPollJobs).openapi(getJobRoute, getPollJob).openapi(stopJobRoute, stopPollJob);
}
