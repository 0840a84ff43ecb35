import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env";
import { getRoot } from "./root.handlers";
import { rootRoute } from "./root.routes";

/** GET /: JSON for API clients, the dashboard for browsers (API.md, "Clients of the seed's service"). */
export function rootRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(rootRoute, getRoot);
}
