import type { Env } from "../env";

/** The object that runs backfill job `id` (src/history/backfill-object.ts). */
export function backfillObject(env: Env, id: string) {
  return env.BACKFILL_OBJECT.get(env.BACKFILL_OBJECT.idFromName(`backfill:${id}`));
}
