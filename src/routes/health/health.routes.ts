import { createRoute, z } from "@hono/zod-openapi";

export const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    version: z.string(),
    timestamp: z.string().openapi({ format: "date-time", description: "The server's time of this answer (UTC)" }),
    checks: z.object({ d1: z.enum(["ok", "failing"]) }).catchall(z.string()),
    providers: z
      .record(z.string(), z.enum(["ok", "rate_limited", "failing", "unknown", "offline"]))
      .openapi({ description: "Each provider's health; a rate-limited provider does not make the service degraded" }),
  })
  .openapi("Health");

export const healthRoute = createRoute({
  method: "get",
  path: "/health",
  tags: ["service"],
  summary: "Service health",
  responses: {
    200: { description: "Healthy", content: { "application/json": { schema: HealthSchema } } },
    503: { description: "A check failed", content: { "application/json": { schema: HealthSchema } } },
  },
});
