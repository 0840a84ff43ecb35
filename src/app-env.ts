import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { Env } from "./env";

/** What every route and middleware of the app sees: the Worker's bindings, and the request's id (src/http/). */
export interface AppEnv {
  Bindings: Env;
  Variables: { requestId: string };
}

/** A handler of one OpenAPI route of this app. */
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;
