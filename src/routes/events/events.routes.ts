import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, wholeNumber } from "../../schemas/common";

export const DeadLetterSchema = z
  .object({
    event_id: z.string(),
    symbol: z.string(),
    provider: z.string(),
    reason: z.string().openapi({ description: "Why it can never be delivered (its schema, or the broker's refusal)" }),
    attempts: z.number().int().openapi({ description: "Deliveries the broker refused before it was set aside (0: it failed its own schema)" }),
    dead_at: z.string().openapi({ format: "date-time" }),
    event: z.string().openapi({ description: "The event as it was stored (JSON text, possibly not valid)" }),
  })
  .openapi("DeadLetter");

export const deadLettersRoute = createRoute({
  method: "get",
  path: "/events/dead-letters",
  tags: ["events"],
  summary: "Events set aside because they can never be delivered, newest first",
  request: { query: z.object({ limit: wholeNumber(1, 1000).default(100) }) },
  responses: {
    200: {
      description: "Dead letters",
      content: { "application/json": { schema: z.object({ dead_letters: z.array(DeadLetterSchema), count: z.number().int() }) } },
    },
    ...errorResponses(422),
  },
});
