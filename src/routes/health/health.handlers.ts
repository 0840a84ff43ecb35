import { sql } from "drizzle-orm";
import type { AppRouteHandler } from "../../app-env";
import { providerStatuses } from "../../coordinator/provider-status";
import { database } from "../../store/db";
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

export const getHealth: AppRouteHandler<typeof healthRoute> = async (c) => {
  const [d1, statuses, events] = await Promise.all([checkD1(c.env.DB), providerStatuses(c.env), eventsHealth(c.env.DB)]);
  const healthy = d1 === "ok";
  const providers = Object.fromEntries([...statuses].map(([name, status]) => [name, status?.status ?? ("offline" as const)]));
  return c.json(
    { status: healthy ? ("ok" as const) : ("degraded" as const), version: SERVICE_VERSION, timestamp: new Date().toISOString(), checks: { d1 }, providers, events },
    healthy ? 200 : 503,
  );
};
