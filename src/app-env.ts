import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { Env } from "./env";

/** What every route and middleware of the app sees: the Worker's bindings, and the request's id (src/http/). */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** API_KEYS is set and the request has no valid key: it is served stored data only (src/access/api-keys.ts). */
    anonymous: boolean;
  };
}

/** A handler of one OpenAPI route of this app. */
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;
