import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env";
import { getHealth } from "./health.handlers";
import { healthRoute } from "./health.routes";

export function healthRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(healthRoute, getHealth);
}
