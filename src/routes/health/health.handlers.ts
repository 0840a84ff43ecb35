import type { RouteHandler } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../../app";
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

export const getHealth: RouteHandler<typeof healthRoute, AppEnv> = async (c) => {
  const d1 = await checkD1(c.env.DB);
  const healthy = d1 === "ok";
  return c.json(
    { status: healthy ? ("ok" as const) : ("degraded" as const), version: SERVICE_VERSION, checks: { d1 } },
    healthy ? 200 : 503,
  );
};
