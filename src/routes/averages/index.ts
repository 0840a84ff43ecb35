import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env";
import { getAverageByQuery, getAverageBySymbol } from "./averages.handlers";
import { averageByQueryRoute, averageBySymbolRoute } from "./averages.routes";

export function averagesRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(averageBySymbolRoute, getAverageBySymbol).openapi(averageByQueryRoute, getAverageByQuery);
}
