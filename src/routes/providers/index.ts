import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env";
import { listProviders } from "./providers.handlers";
import { providersRoute } from "./providers.routes";

export function providersRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(providersRoute, listProviders);
}
