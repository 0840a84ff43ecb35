/** The bench-only routes (see ../bench-worker.ts): a bare baseline route, and drivers that run inside workerd. */
import { Hono } from "hono";
import type { Env } from "../../src/env";
import { PROVIDER_NAMES, type ProviderName } from "../../src/providers/provider";
import { priceBody } from "../../src/schemas/price";
import { countPoints, insertRows, seedHistory, type CountRequest, type InsertRequest, type SeedRequest } from "./d1";
import { ingestPoints, type IngestRequest } from "./ingest";
import { deliverOneByOne, latestFromObject, storePointsDirectly, type DeliveryRequest, type StorePointsRequest } from "./store";

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

function providerParam(value: string | undefined): ProviderName {
  return PROVIDER_NAMES.find((name) => name === value) ?? "synthetic";
}

export function benchRoutes(): Hono<BenchEnv> {
  const app = new Hono<BenchEnv>().basePath("/__bench");
  // The baseline of the HTTP case: a Hono route returning constant JSON, no middleware, no validation, no I/O.
  app.get("/bare", (c) => c.json(bareBody));
  app.put("/bare", async (c) => {
    bareBody = await c.req.json<Record<string, unknown>>();
    return c.json({ bytes: JSON.stringify(bareBody).length });
  });
  // The Durable Object call of a fresh latest alone: bare route + one RPC, no product middleware or validation.
  app.get("/object-latest", async (c) => {
    const provider = providerParam(c.req.query("provider"));
    return c.json(priceBody(await latestFromObject(c.env, provider, c.req.query("symbol") ?? "BENCH")));
  });
  app.post("/ingest", async (c) => c.json(await ingestPoints(c.env, await c.req.json<IngestRequest>())));
  app.post("/d1-insert", async (c) => c.json(await insertRows(c.env.DB, await c.req.json<InsertRequest>())));
  app.post("/store-points", async (c) => c.json(await storePointsDirectly(c.env, await c.req.json<StorePointsRequest>())));
  app.post("/deliver-outbox", async (c) => c.json(await deliverOneByOne(c.env, await c.req.json<DeliveryRequest>())));
  app.post("/count-points", async (c) => c.json({ points: await countPoints(c.env.DB, await c.req.json<CountRequest>()) }));
  app.post("/seed", async (c) => c.json(await seedHistory(c.env.DB, await c.req.json<SeedRequest>())));
  return app;
}
