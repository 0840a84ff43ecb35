import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env";
import { deleteBackfill, getBackfillJob, listBackfillJobs, postBackfill } from "./backfill.handlers";
import { cancelBackfillRoute, createBackfillRoute, getBackfillRoute, listBackfillsRoute } from "./backfill.routes";

export function backfillRoutes(app: OpenAPIHono<AppEnv>): void {
  app
    .openapi(createBackfillRoute, postBackfill)
    .openapi(listBackfillsRoute, listBackfillJobs)
    .openapi(getBackfillRoute, getBackfillJob)
    .openapi(cancelBackfillRoute, deleteBackfill);
}
