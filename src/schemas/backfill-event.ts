import { z } from "@hono/zod-openapi";

export const BACKFILL_EVENT_VERSION = 1 as const;

/**
 * `backfill.completed` (API.md, Events): one per symbol of a finished backfill, topic `KAFKA_TOPIC`, key = symbol.
 * Backfilled bars themselves are not `price.updated` events.
 */
export const BackfillCompletedEventSchema = z
  .object({
    event_id: z.uuid(),
    type: z.literal("backfill.completed"),
    version: z.literal(BACKFILL_EVENT_VERSION),
    backfill_id: z.string(),
    symbol: z.string(),
    provider: z.string(),
    interval: z.string(),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    bars_stored: z.number().int().nonnegative(),
    emitted_at: z.iso.datetime(),
  })
  .openapi("BackfillCompletedEvent");

export type BackfillCompletedEvent = z.infer<typeof BackfillCompletedEventSchema>;
