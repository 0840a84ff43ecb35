import { readConfig, type Env } from "../env";
import { database } from "../store/db";
import { pruneRawResponses } from "../store/prices";
import { startLoops } from "./loops";
import { jobsLookingStalled, purgeStoppedJobs, type PollJob } from "./store";

/** A loop is presumed lost when its job has not run for its interval plus this. */
const STALL_GRACE_MS = 60_000;
const DAY_MS = 86_400_000;

export interface WatchdogReport {
  rearmed: number;
  /** Jobs whose loops could not be re-armed this time (each is tried again next minute). */
  failed: number;
  prunedRawResponses: number;
  purgedStoppedJobs: number;
}

/**
 * Every minute: re-arm the loops of active jobs that stopped running (after a deploy, a lost alarm, a
 * restore), then prune raw responses older than RAW_RETENTION_DAYS and jobs stopped more than
 * JOB_RETENTION_DAYS ago. Each job is re-armed on its own, so one that fails stops neither the others nor the
 * pruning; healthy jobs and jobs backing off on purpose cost one query in all.
 */
export async function runWatchdog(env: Env, now = Date.now()): Promise<WatchdogReport> {
  const db = database(env.DB);
  const { rearmed, failed } = await rearmStalledLoops(env, now);
  const config = readConfig(env);
  const prunedRawResponses = await pruneRawResponses(db, now - config.RAW_RETENTION_DAYS * DAY_MS);
  const purgedStoppedJobs = await purgeStoppedJobs(db, now - config.JOB_RETENTION_DAYS * DAY_MS);
  return { rearmed, failed, prunedRawResponses, purgedStoppedJobs };
}

async function rearmStalledLoops(env: Env, now: number): Promise<{ rearmed: number; failed: number }> {
  let stalled: PollJob[];
  try {
    stalled = await jobsLookingStalled(database(env.DB), now, STALL_GRACE_MS);
  } catch (error) {
    console.error("watchdog: could not list stalled jobs", error);
    return { rearmed: 0, failed: 0 };
  }
  let failed = 0;
  for (const job of stalled) {
    try {
      await startLoops(env, job);
    } catch (error) {
      failed++;
      console.error(`watchdog: re-arming the loops of job ${job.id} failed`, error);
    }
  }
  const rearmed = stalled.length - failed;
  if (rearmed > 0) console.warn(`watchdog: re-armed the loops of ${rearmed} job(s)`);
  return { rearmed, failed };
}
