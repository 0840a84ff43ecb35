import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env";
import { streamPrices } from "./stream.handlers";
import { streamRoute } from "./stream.routes";

export function streamRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(streamRoute, streamPrices);
}
