import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env";
import { getHistory, getLatest, getSnapshot, pollSymbol } from "./prices.handlers";
import { historyRoute, latestRoute, pollSymbolRoute, snapshotRoute } from "./prices.routes";

export function pricesRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(latestRoute, getLatest).openapi(pollSymbolRoute, pollSymbol).openapi(historyRoute, getHistory).openapi(snapshotRoute, getSnapshot);
}
