import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, wholeNumber } from "../../schemas/common";
import { cursorParam, NextCursorSchema } from "../../schemas/cursor";
import { AcceptedJobSchema, CreateJobSchema, JobSchema } from "../../schemas/job";

export const DEFAULT_JOBS_PAGE = 100;
export const MAX_JOBS_PAGE = 1000;
/** A jobs cursor: the created_at and id of the page's last job. */
export const JobCursorSchema = z.tuple([z.number().int(), z.string().max(100)]);

const JobIdParams = z.object({
  job_id: z.string().max(100).openapi({ param: { name: "job_id", in: "path" }, example: "5d0c2f0e-8a8b-4f51-9f43-6b0f7f3c2a11" }),
});

export const createJobRoute = createRoute({
  method: "post",
  path: "/prices/poll",
  tags: ["jobs"],
  summary: "Start polling symbols",
  description:
    "Creates a job that keeps the symbols polled every `interval` seconds until it is deleted. Jobs survive restarts and redeploys. A symbol asked for by several jobs is polled once, at the smallest interval.",
  request: { body: { required: true, content: { "application/json": { schema: CreateJobSchema } } } },
  responses: {
    202: { description: "The job was accepted", content: { "application/json": { schema: AcceptedJobSchema } } },
    ...errorResponses(400, 401, 413, 422, 503),
  },
});

export const listJobsRoute = createRoute({
  method: "get",
  path: "/prices/poll",
  tags: ["jobs"],
  summary: "List jobs, newest first, a page at a time",
  description:
    "Jobs newest first (by creation), `limit` a page; `status` keeps only active or stopped jobs. Walk the pages by passing each answer's `next_cursor` back as `cursor` until it is null. Stopped jobs are deleted after JOB_RETENTION_DAYS.",
  request: {
    query: z.object({
      status: z.enum(["active", "stopped"]).optional().openapi({ description: "Only jobs in this status" }),
      limit: wholeNumber(1, MAX_JOBS_PAGE)
        .optional()
        .openapi({ type: "string", example: String(DEFAULT_JOBS_PAGE), description: `1..${MAX_JOBS_PAGE}, default ${DEFAULT_JOBS_PAGE}` }),
      cursor: cursorParam(JobCursorSchema).optional(),
    }),
  },
  responses: {
    200: {
      description: "A page of jobs",
      content: { "application/json": { schema: z.object({ jobs: z.array(JobSchema), next_cursor: NextCursorSchema }).openapi("Jobs") } },
    },
    ...errorResponses(422),
  },
});

export const getJobRoute = createRoute({
  method: "get",
  path: "/prices/poll/{job_id}",
  tags: ["jobs"],
  summary: "One job",
  request: { params: JobIdParams },
  responses: {
    200: { description: "The job", content: { "application/json": { schema: JobSchema } } },
    ...errorResponses(404, 422),
  },
});

export const stopJobRoute = createRoute({
  method: "delete",
  path: "/prices/poll/{job_id}",
  tags: ["jobs"],
  summary: "Stop a job",
  description: "Polling of its symbols stops unless another active job still needs them. Stopping a stopped job answers it unchanged.",
  request: { params: JobIdParams },
  responses: {
    200: { description: "The stopped job", content: { "application/json": { schema: JobSchema } } },
    ...errorResponses(401, 404, 422),
  },
});
