/**
 * The typed client (client/, README "For clients") against the Worker: openapi-fetch over the types generated
 * from /openapi.json. These calls are type-checked by `npm run typecheck` against client/schema.d.ts, so a schema
 * change that breaks a client (a renamed field, a removed parameter, a path that moved) fails the build once the
 * types are regenerated, and the first test fails while they are not.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createMarketDataClient, type MarketDataClient, type Schemas } from "../../client";
import committedDocument from "../../client/openapi.json";
import { createApp } from "../../src/app";
import { BASE, uniqueSymbol } from "../support/api";
import { eventually, stopJob } from "../support/jobs";

const api: MarketDataClient = createMarketDataClient({ baseUrl: BASE, fetch: (request) => SELF.fetch(request) });

describe("the typed client's contract", () => {
  it("is the document the Worker serves at /openapi.json", async () => {
    const served: unknown = await (await SELF.fetch(`${BASE}/openapi.json`)).json();
    expect(served, "client/ is stale: run `npm run client:generate` and commit client/").toEqual(committedDocument);
  });
});

describe("the typed client against the Worker", () => {
  it("reads a symbol's latest price, with the answer's headers beside it", async () => {
    const symbol = uniqueSymbol("TC");
    const { data, error, response } = await api.GET("/prices/latest", { params: { query: { symbol, provider: "synthetic" } } });

    expect(error).toBeUndefined();
    const price: Schemas["Price"] | undefined = data;
    expect(price).toMatchObject({ symbol, provider: "synthetic", price: expect.any(Number), market_state: null });
    expect(response.headers.get("etag")).toEqual(expect.any(String));
  });

  it("polls a symbol now and finds the point in its history", async () => {
    const symbol = uniqueSymbol("TC");
    const polled = await api.POST("/poll/{symbol}", { params: { path: { symbol }, query: { provider: "synthetic" } } });
    expect(polled.error).toBeUndefined();

    const history = await eventually(async () => {
      const { data } = await api.GET("/prices/history", { params: { query: { symbol, provider: "synthetic", limit: "10" } } });
      expect(data?.points).toHaveLength(1);
      return data!;
    });
    expect(history.points[0]).toMatchObject({ price: polled.data!.price, timestamp: polled.data!.timestamp });
    expect(history.next_cursor).toBeNull();
  });

  it("starts a polling job, reads it back and stops it", async () => {
    const symbols = [uniqueSymbol("TC"), uniqueSymbol("TC")];
    const created = await api.POST("/prices/poll", { body: { symbols, interval: 60, provider: "synthetic" } });
    expect(created.response.status).toBe(202);
    const jobId = created.data!.job_id;

    try {
      const read = await api.GET("/prices/poll/{job_id}", { params: { path: { job_id: jobId } } });
      expect(read.data).toMatchObject({ job_id: jobId, status: "active", config: { symbols, interval: 60, provider: "synthetic" } });

      const stopped = await api.DELETE("/prices/poll/{job_id}", { params: { path: { job_id: jobId } } });
      expect(stopped.data?.status).toBe("stopped");
    } finally {
      await stopJob(jobId);
    }
  });

  it("answers a refused request with the typed error body, `detail` included", async () => {
    const { data, error, response } = await api.GET("/prices/latest", { params: { query: { symbol: "not a symbol!" } } });

    expect(data).toBeUndefined();
    expect(response.status).toBe(422);
    const refusal: Schemas["Error"] | undefined = error;
    expect(refusal).toMatchObject({ error: { code: "invalid_request", message: expect.any(String) } });
    expect(refusal?.detail).toBe(refusal?.error.message);
  });
});

describe("the typed client with API keys (API_KEYS set)", () => {
  const API_KEY = "typed-client-key-5c1e";
  const app = createApp();
  /** The app with API_KEYS on and the suite's real bindings (D1, Durable Objects) otherwise. */
  const keyedWorker = (request: Request) => Promise.resolve(app.request(request, undefined, { ...env, API_KEYS: API_KEY }));
  const unknownJob = { params: { path: { job_id: crypto.randomUUID() } } };

  it("sends apiKey as a bearer token, so writes are accepted", async () => {
    const keyed = createMarketDataClient({ baseUrl: BASE, apiKey: API_KEY, fetch: keyedWorker });
    const { error, response } = await keyed.DELETE("/prices/poll/{job_id}", unknownJob);
    expect(response.status).toBe(404);
    expect(error?.error.code).toBe("job_not_found");
  });

  it("without apiKey a write is refused as unauthorized", async () => {
    const anonymous = createMarketDataClient({ baseUrl: BASE, fetch: keyedWorker });
    const { error, response } = await anonymous.DELETE("/prices/poll/{job_id}", unknownJob);
    expect(response.status).toBe(401);
    expect(error?.error.code).toBe("unauthorized");
  });

  it("leaves a caller's own Authorization header as it is", async () => {
    const proxied = createMarketDataClient({ baseUrl: BASE, apiKey: API_KEY, headers: { authorization: "Bearer not-the-key" }, fetch: keyedWorker });
    const { response } = await proxied.DELETE("/prices/poll/{job_id}", unknownJob);
    expect(response.status).toBe(401);
  });
});
