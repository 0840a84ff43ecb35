import type { Env } from "../env";
import { symbolObject } from "../objects/symbol";
import type { SymbolTarget } from "../providers/provider";
import { database } from "../store/db";
import { backlogsOlderThan, symbolsWithLegacyEvents } from "../store/outbox";

/** A symbol whose delivery has been behind this long is checked by the sweep. */
const BACKLOG_AGE_MS = 2 * 60_000;
/** Symbol objects the sweep wakes per run (a minute), so a large outage is worked through a slice at a time. */
const SWEEP_LIMIT = 200;

/**
 * The cron's safety net for delivery (every minute): symbols whose events have waited longer than
 * BACKLOG_AGE_MS, and symbols that still have events in the D1 outbox of an earlier version, are woken so each
 * re-arms its alarm for what it holds (or takes those events over). Healthy symbols cost nothing here: they
 * never appear in event_backlogs. Returns how many objects it woke.
 */
export async function sweepStrandedEvents(env: Env, now = Date.now()): Promise<number> {
  const db = database(env.DB);
  const [behind, legacy] = await Promise.all([backlogsOlderThan(db, now - BACKLOG_AGE_MS, SWEEP_LIMIT), symbolsWithLegacyEvents(db, SWEEP_LIMIT)]);
  const targets = new Map<string, SymbolTarget>([...behind, ...legacy].map((target) => [`${target.provider}:${target.symbol}`, target]));
  const woken = await Promise.allSettled([...targets.values()].map((target) => symbolObject(env, target).resumeDelivery(target)));
  const failures = woken.filter((result) => result.status === "rejected").length;
  if (failures > 0) console.warn(`event sweep: ${failures} of ${targets.size} symbol objects could not be woken`);
  return targets.size;
}
