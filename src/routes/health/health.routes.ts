import { createRoute, z } from "@hono/zod-openapi";
import { WARN_DAYS_AHEAD } from "../../store/growth";

export const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    version: z.string(),
    timestamp: z.string().openapi({ format: "date-time", description: "The server's time of this answer (UTC)" }),
    checks: z.object({ d1: z.enum(["ok", "failing"]) }).catchall(z.string()),
    providers: z
      .record(z.string(), z.enum(["ok", "rate_limited", "failing", "unknown", "offline"]))
      .openapi({ description: "Each provider's health; a rate-limited provider does not make the service degraded" }),
    events: z
      .object({
        dead_letters: z.number().int().openapi({ description: "Events that can never be delivered, listed by GET /events/dead-letters" }),
        symbols_behind: z.number().int().openapi({ description: "Symbols whose event delivery is failing and retrying" }),
      })
      .nullable()
      .openapi({ description: "null when D1 cannot say" }),
    storage: z
      .object({
        database_bytes: z.number().int(),
        limit_bytes: z.number().int().openapi({ description: "D1_DATABASE_LIMIT_MB" }),
        growth: z
          .object({
            bytes_per_day: z.number().int().openapi({ description: "Net change of the database's size per day (negative while it shrinks)" }),
            points_per_day: z.number().int().openapi({ description: "Points stored per day (before any POINT_RETENTION_DAYS deletion)" }),
            measured_hours: z.number().openapi({ description: "The span measured: the last day, from the cron's hourly size samples" }),
            limit_reached_at: z
              .string()
              .nullable()
              .openapi({ format: "date-time", description: "When the database reaches its limit at this rate; null while it does not grow (or not within a century)" }),
          })
          .nullable()
          .openapi({ description: "null until the cron has sampled the size for an hour" }),
        warning: z
          .string()
          .nullable()
          .openapi({ description: `Set from 80 % of the limit, or when the growth of the last day reaches the limit within ${WARN_DAYS_AHEAD} days: every write fails beyond it` }),
      })
      .nullable()
      .openapi({ description: "The D1 database's size; null when D1 cannot say" }),
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
