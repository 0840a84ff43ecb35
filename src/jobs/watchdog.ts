import { MAX_WINDOW } from "../averages/price-window";
import { readConfig, type Config, type Env } from "../env";
import { database, type Database } from "../store/db";
import { sampleStorage } from "../store/growth";
import { prunePoints } from "../store/point-retention";
import { pruneRawResponses } from "../store/prices";
import { startLoops } from "./loops";
import { jobsLookingStalled, purgeStoppedJobs, type PollJob } from "./store";

/** A loop is presumed lost when its job has not run for its interval plus this. */
const STALL_GRACE_MS = 60_000;
const DAY_MS = 86_400_000;

export interface HousekeepingReport {
  prunedRawResponses: number;
  purgedStoppedJobs: number;
  /** Points past POINT_RETENTION_DAYS deleted in this run (a bounded share; the rest go in the next runs). */
  prunedPoints: number;
}

export interface WatchdogReport extends HousekeepingReport {
  rearmed: number;
  /** Jobs whose loops could not be re-armed this time (each is tried again next minute). */
  failed: number;
}

/**
 * Every minute: re-arm the loops of active jobs that stopped running (after a deploy, a lost alarm, a
 * restore), then the housekeeping. Each job is re-armed on its own, so one that fails stops neither the others
 * nor the housekeeping; healthy jobs and jobs backing off on purpose cost one query in all.
 */
export async function runWatchdog(env: Env, now = Date.now()): Promise<WatchdogReport> {
  const { rearmed, failed } = await rearmStalledLoops(env, now);
  return { rearmed, failed, ...(await runHousekeeping(env, now)) };
}

/**
 * Prune raw responses older than RAW_RETENTION_DAYS, jobs stopped more than JOB_RETENTION_DAYS ago and a
 * bounded share of the points past POINT_RETENTION_DAYS; sample the database's size for /health's growth rate.
 */
export async function runHousekeeping(env: Env, now = Date.now()): Promise<HousekeepingReport> {
  const db = database(env.DB);
  const config = readConfig(env);
  const prunedRawResponses = await pruneRawResponses(db, now - config.RAW_RETENTION_DAYS * DAY_MS);
  const purgedStoppedJobs = await purgeStoppedJobs(db, now - config.JOB_RETENTION_DAYS * DAY_MS);
  const prunedPoints = await keepPointsWithinRetention(db, config, now);
  try {
    await sampleStorage(db, now);
  } catch (error) {
    console.error("housekeeping: sampling the database's size failed", error);
  }
  return { prunedRawResponses, purgedStoppedJobs, prunedPoints };
}

/** Each symbol's newest MAX_WINDOW points stay whatever their age: its moving averages and dedupe need them. */
async function keepPointsWithinRetention(db: Database, config: Config, now: number): Promise<number> {
  if (config.POINT_RETENTION_DAYS === 0) return 0;
  try {
    return await prunePoints(db, { cutoff: now - config.POINT_RETENTION_DAYS * DAY_MS, keepNewest: MAX_WINDOW }, now);
  } catch (error) {
    console.error("housekeeping: deleting points past POINT_RETENTION_DAYS failed", error);
    return 0;
  }
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
