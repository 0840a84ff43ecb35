import { readConfig, type Env } from "../env";
import { database } from "../store/db";
import { pruneRawResponses } from "../store/prices";
import { startLoops } from "./loops";
import { jobsLookingStalled, purgeStoppedJobs } from "./store";

/** A loop is presumed lost when its job has not run for its interval plus this. */
const STALL_GRACE_MS = 60_000;
const DAY_MS = 86_400_000;

export interface WatchdogReport {
  rearmed: number;
  prunedRawResponses: number;
  purgedStoppedJobs: number;
}

/**
 * Every minute: re-arm the loops of active jobs that stopped running (after a deploy, a lost alarm, a
 * restore), then prune raw responses older than RAW_RETENTION_DAYS and jobs stopped more than JOB_RETENTION_DAYS ago. Healthy jobs cost one query in all.
 */
export async function runWatchdog(env: Env, now = Date.now()): Promise<WatchdogReport> {
  const db = database(env.DB);
  const stalled = await jobsLookingStalled(db, now, STALL_GRACE_MS);
  for (const job of stalled) await startLoops(env, job);
  const config = readConfig(env);
  const prunedRawResponses = await pruneRawResponses(db, now - config.RAW_RETENTION_DAYS * DAY_MS);
  const purgedStoppedJobs = await purgeStoppedJobs(db, now - config.JOB_RETENTION_DAYS * DAY_MS);
  if (stalled.length > 0) console.warn(`watchdog: re-armed the loops of ${stalled.length} job(s)`);
  return { rearmed: stalled.length, prunedRawResponses, purgedStoppedJobs };
}
