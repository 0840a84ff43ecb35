import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env";
import { getBars } from "./bars.handlers";
import { barsRoute } from "./bars.routes";

export function barsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(barsRoute, getBars);
}
