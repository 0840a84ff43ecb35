/**
 * src/timers/ owns the timing both kinds of objects share: one alarm for all of an object's timers (here) and
 * capped backoff with jitter (backoff.ts).
 *
 * One Durable Object alarm serves every timer of an object: set it to the earliest due time, keep an earlier
 * one already set, and clear it when nothing is due.
 */
export async function armEarliest(storage: DurableObjectStorage, dueTimes: readonly (number | null)[]): Promise<void> {
  const due = dueTimes.filter((at): at is number => at !== null);
  if (due.length === 0) {
    await storage.deleteAlarm();
    return;
  }
  const next = Math.min(...due);
  const current = await storage.getAlarm();
  if (current === null || current > next) await storage.setAlarm(next);
}
