import type { AppRouteHandler } from "../../app-env";
import { database } from "../../store/db";
import { countDeadLetters, readDeadLetters } from "../../store/outbox";
import type { deadLettersRoute } from "./events.routes";

export const listDeadLetters: AppRouteHandler<typeof deadLettersRoute> = async (c) => {
  const db = database(c.env.DB);
  const { limit } = c.req.valid("query");
  const [letters, count] = await Promise.all([readDeadLetters(db, limit), countDeadLetters(db)]);
  const deadLetters = letters.map((letter) => ({
    event_id: letter.eventId,
    symbol: letter.symbol,
    provider: letter.provider,
    reason: letter.reason,
    attempts: letter.attempts,
    dead_at: new Date(letter.deadAt).toISOString(),
    event: letter.payload,
  }));
  return c.json({ dead_letters: deadLetters, count }, 200);
};
