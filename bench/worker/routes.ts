/** The bench-only routes (see ../bench-worker.ts): a bare baseline route, write counters, D1 seeding and reading. */
import { Hono } from "hono";
import type { Env } from "../../src/env";
import { readCounters, resetCounters } from "./counters";
import { countPoints, listPoints, seedHistory, type CountRequest, type SeedRequest } from "./d1";

export const BENCH_PREFIX = "/__bench/";

interface BenchEnv {
  Bindings: Env;
}

/**
 * What the bare route answers: a constant, set once by the runner to a copy of a real /prices/latest body so
 * both routes send the same bytes.
 */
let bareBody: Record<string, unknown> = {
  symbol: "BENCH",
  price: 181.4532,
  timestamp: "2024-03-20T15:30:00.000Z",
  provider: "synthetic",
};

export function benchRoutes(): Hono<BenchEnv> {
  const app = new Hono<BenchEnv>().basePath("/__bench");
  // The in-Worker baseline of the HTTP case: a Hono route returning constant JSON, no middleware, no I/O.
  app.get("/bare", (c) => c.json(bareBody));
  app.put("/bare", async (c) => {
    bareBody = await c.req.json<Record<string, unknown>>();
    return c.json({ bytes: JSON.stringify(bareBody).length });
  });
  app.get("/counters", (c) => c.json(readCounters()));
  app.post("/counters/reset", (c) => c.json(resetCounters()));
  app.post("/count-points", async (c) => c.json({ points: await countPoints(c.env.DB, await c.req.json<CountRequest>()) }));
  app.post("/points", async (c) => c.json({ points: await listPoints(c.env.DB, await c.req.json<CountRequest>()) }));
  app.post("/seed", async (c) => c.json(await seedHistory(c.env.DB, await c.req.json<SeedRequest>())));
  return app;
}
