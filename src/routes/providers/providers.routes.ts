import { createRoute, z } from "@hono/zod-openapi";
import { ProviderNameSchema } from "../../schemas/common";

export const ProviderHealthSchema = z
  .object({
    status: z.enum(["ok", "rate_limited", "failing", "unknown"]),
    available: z.boolean().openapi({ description: "Whether failover would try it now" }),
    consecutive_failures: z.number().int(),
    rate_limited_until: z.string().nullable(),
    last_ok_at: z.string().nullable(),
    last_error: z.string().nullable(),
    latency_ms: z.number().nullable().openapi({ description: "Mean latency of recent successful requests" }),
    recent: z.object({ ok: z.number().int(), rate_limited: z.number().int(), failing: z.number().int() }),
    requests_last_minute: z.number().int(),
    requests_last_day: z.number().int(),
    polled_symbols: z.number().int().openapi({ description: "Symbols in this provider's batch rounds" }),
  })
  .openapi("ProviderHealth");

export const ProviderSchema = z
  .object({
    name: ProviderNameSchema,
    configured: z.boolean().openapi({ description: "false when the provider needs an API key that is not set" }),
    min_interval: z.number().int().openapi({ description: "Smallest polling interval in seconds" }),
    batch: z.boolean().openapi({ description: "Quotes many symbols in one request" }),
    batch_size: z.number().int(),
    needs_key: z.boolean(),
    default: z.boolean().openapi({ description: "This is DEFAULT_PROVIDER" }),
    budget: z
      .object({
        per_minute: z.number().int().nullable(),
        per_day: z.number().int().nullable(),
      })
      .openapi({
        description:
          "Requests this deployment sends the provider at most, across every job and client (null: no limit of ours): its free plan, or <PROVIDER>_REQUESTS_PER_MINUTE / _PER_DAY",
      }),
    symbols: z
      .object({ pattern: z.string(), accepts: z.string() })
      .openapi({ description: "The symbols it can answer (a regular expression over the upper-cased symbol, and in words); others are refused with 422" }),
    health: ProviderHealthSchema.nullable().openapi({ description: "null for offline providers" }),
  })
  .openapi("Provider");

export const providersRoute = createRoute({
  method: "get",
  path: "/providers",
  tags: ["service"],
  summary: "The providers this deployment knows, and whether each is configured",
  responses: {
    200: {
      description: "Providers",
      content: { "application/json": { schema: z.object({ providers: z.array(ProviderSchema) }).openapi("Providers") } },
    },
  },
});
