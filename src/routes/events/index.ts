import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env";
import { listDeadLetters } from "./events.handlers";
import { deadLettersRoute } from "./events.routes";

/** Event delivery as operators see it: the dead letters (the outbox itself lives in each symbol object). */
export function eventsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(deadLettersRoute, listDeadLetters);
}
