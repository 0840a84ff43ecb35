import { createRoute, z } from "@hono/zod-openapi";
import { BackfillListSchema, BackfillSchema, CreateBackfillSchema } from "../../schemas/backfill";
import { errorResponses, wholeNumber } from "../../schemas/common";

const BackfillIdParams = z.object({
  backfill_id: z.string().max(100).openapi({ param: { name: "backfill_id", in: "path" }, example: "5d0c2f0e-8a8b-4f51-9f43-6b0f7f3c2a11" }),
});

export const createBackfillRoute = createRoute({
  method: "post",
  path: "/prices/backfill",
  tags: ["bars"],
  summary: "Backfill bars of symbols over a range",
  description:
    "Fetches the range's bars the store does not hold yet, in provider-sized requests through the provider's request budget (waiting for it, never failing on it), storing every raw answer. Survives restarts and redeploys; running it again stores nothing new. A finished backfill publishes one backfill.completed event per symbol.",
  request: { body: { required: true, content: { "application/json": { schema: CreateBackfillSchema } } } },
  responses: {
    202: { description: "The backfill was accepted", content: { "application/json": { schema: BackfillSchema } } },
    ...errorResponses(400, 401, 413, 422, 503),
  },
});

export const listBackfillsRoute = createRoute({
  method: "get",
  path: "/prices/backfill",
  tags: ["bars"],
  summary: "List backfills, newest first",
  request: {
    query: z.object({
      limit: wholeNumber(1, 100).optional().openapi({ type: "string", example: "20", description: "1..100, default 20" }),
      cursor: z.string().max(200).optional().openapi({ description: "next_cursor of the previous page" }),
    }),
  },
  responses: {
    200: { description: "Backfills", content: { "application/json": { schema: BackfillListSchema } } },
    ...errorResponses(422),
  },
});

export const getBackfillRoute = createRoute({
  method: "get",
  path: "/prices/backfill/{backfill_id}",
  tags: ["bars"],
  summary: "One backfill: status, progress, errors",
  request: { params: BackfillIdParams },
  responses: {
    200: { description: "The backfill", content: { "application/json": { schema: BackfillSchema } } },
    ...errorResponses(404, 422),
  },
});

export const cancelBackfillRoute = createRoute({
  method: "delete",
  path: "/prices/backfill/{backfill_id}",
  tags: ["bars"],
  summary: "Cancel a backfill",
  description: "Stops it after the request in flight; bars stored so far stay. A finished backfill is answered unchanged.",
  request: { params: BackfillIdParams },
  responses: {
    200: { description: "The backfill", content: { "application/json": { schema: BackfillSchema } } },
    ...errorResponses(401, 404, 422),
  },
});
