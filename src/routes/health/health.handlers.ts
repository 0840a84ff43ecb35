import { sql } from "drizzle-orm";
import type { AppRouteHandler } from "../../app-env";
import { providerStatuses } from "../../coordinator/provider-status";
import { database } from "../../store/db";
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

export const getHealth: AppRouteHandler<typeof healthRoute> = async (c) => {
  const [d1, statuses] = await Promise.all([checkD1(c.env.DB), providerStatuses(c.env)]);
  const healthy = d1 === "ok";
  const providers = Object.fromEntries([...statuses].map(([name, status]) => [name, status?.status ?? ("offline" as const)]));
  return c.json(
    { status: healthy ? ("ok" as const) : ("degraded" as const), version: SERVICE_VERSION, timestamp: new Date().toISOString(), checks: { d1 }, providers },
    healthy ? 200 : 503,
  );
};
