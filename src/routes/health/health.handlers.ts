import { sql } from "drizzle-orm";
import type { AppRouteHandler } from "../../app-env";
import { providerStatuses } from "../../coordinator/provider-status";
import { readConfig } from "../../env";
import { database } from "../../store/db";
import { storageHealth, type StorageHealth } from "../../store/growth";
import { deliveryHealth } from "../../store/outbox";
import { SERVICE_VERSION } from "../../version";
import type { healthRoute } from "./health.routes";

async function checkD1(db: D1Database): Promise<"ok" | "failing"> {
  try {
    await database(db).run(sql`SELECT 1`);
    return "ok";
  } catch (error) {
    console.error("health: D1 check failed", error);
    return "failing";
  }
}

/** Delivery as D1 sees it: events set aside for good, and symbols whose delivery is behind. */
async function eventsHealth(db: D1Database): Promise<{ dead_letters: number; symbols_behind: number } | null> {
  try {
    return await deliveryHealth(database(db));
  } catch (error) {
    console.error("health: reading the delivery figures failed", error);
    return null;
  }
}

/** The database's size against its limit, with a warning near it; null when D1 cannot say. */
async function storage(db: D1Database, limitMegabytes: number): Promise<StorageHealth | null> {
  try {
    return await storageHealth(database(db), limitMegabytes * 1_048_576);
  } catch (error) {
    console.error("health: reading the database size failed", error);
    return null;
  }
}

export const getHealth: AppRouteHandler<typeof healthRoute> = async (c) => {
  const limit = readConfig(c.env).D1_DATABASE_LIMIT_MB;
  const [d1, statuses, events, sizes] = await Promise.all([checkD1(c.env.DB), providerStatuses(c.env), eventsHealth(c.env.DB), storage(c.env.DB, limit)]);
  const healthy = d1 === "ok";
  const providers = Object.fromEntries([...statuses].map(([name, status]) => [name, status?.status ?? ("offline" as const)]));
  return c.json(
    { status: healthy ? ("ok" as const) : ("degraded" as const), version: SERVICE_VERSION, timestamp: new Date().toISOString(), checks: { d1 }, providers, events, storage: sizes },
    healthy ? 200 : 503,
  );
};
