/**
 * What clients written for the seed's FastAPI service rely on (API.md, "Clients of the seed's service"): GET /
 * as JSON for them and the dashboard for browsers, /health's timestamp, the provider aliases, and `detail` beside
 * our `error` object in every error body.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, call, postJson, uniqueSymbol } from "../support/api";
import { whenRequested } from "../support/scenario";

const YAHOO_AAPL = "yahoo/chart_1d_aapl_range1d_2025-02-18.json";

describe("GET /", () => {
  it.each([
    ["no Accept header", undefined],
    ["Accept: */*", "*/*"],
    ["Accept: application/json", "application/json"],
    ["text/html refused with q=0", "text/html;q=0, application/json"],
  ])("answers JSON with links to a client sending %s", async (_case, accept) => {
    const answer = await call("/", { headers: accept === undefined ? {} : { accept } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    expect(answer.body).toEqual({
      service: "market-data-service",
      version: expect.any(String),
      docs: `${BASE}/docs`,
      openapi: `${BASE}/openapi.json`,
      dashboard: `${BASE}/`,
    });
  });

  it("answers the dashboard page to a browser", async () => {
    const response = await SELF.fetch(`${BASE}/`, { headers: { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await response.text()).toContain("/dashboard/app.js");
  });
});

describe("GET /health", () => {
  it("carries the server's time", async () => {
    const before = Date.now();
    const answer = await call<{ timestamp: string }>("/health");
    expect(answer.body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(answer.body.timestamp)).toBeGreaterThanOrEqual(before - 1000);
  });
});

describe("provider aliases", () => {
  it.each([
    ["yahoo", "yfinance"],
    ["yahoo_finance", "yfinance"],
  ])("accepts provider=%s on latest and answers %s", async (alias, canonical) => {
    const symbol = uniqueSymbol("Y");
    await whenRequested({ match: `/yahoo/v8/finance/chart/${symbol}`, responses: [{ fixture: YAHOO_AAPL }] });
    const answer = await call(`/prices/latest?symbol=${symbol}&provider=${alias}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ symbol, provider: canonical });
  });

  it("accepts alphavantage for alpha_vantage on history and moving averages", async () => {
    const history = await call(`/prices/history?symbol=${uniqueSymbol()}&provider=alphavantage`);
    expect(history.status).toBe(200);
    expect(history.body).toMatchObject({ provider: "alpha_vantage" });
    const average = await call(`/ma/${uniqueSymbol()}?provider=alphavantage`);
    expect(average.status).toBe(404);
    expect(average.body).toMatchObject({ error: { code: "insufficient_data" } });
  });

  it("accepts an alias in a job and stores the canonical name", async () => {
    const created = await postJson("/prices/poll", { symbols: [uniqueSymbol()], interval: 60, provider: "yahoo" });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ config: { provider: "yfinance" } });
    const jobId = String(created.body.job_id);
    const stored = await env.DB.prepare("SELECT provider FROM poll_jobs WHERE id = ?").bind(jobId).first();
    expect(stored).toEqual({ provider: "yfinance" });
    await call(`/prices/poll/${jobId}`, { method: "DELETE" });
  });

  it("still refuses a name that is no provider and no alias", async () => {
    const answer = await call("/prices/latest?symbol=AAPL&provider=bloomberg");
    expect(answer.status).toBe(422);
  });
});

describe("error bodies", () => {
  it.each([
    ["a validation error", "/prices/latest?symbol=not%20a%20symbol", 422],
    ["an unknown route", "/no/such/route", 404],
    ["an unknown job", "/prices/poll/nope", 404],
  ])("carry detail, the message, beside error (%s)", async (_case, path, status) => {
    const answer = await call<{ error: { message: string }; detail: string }>(path);
    expect(answer.status).toBe(status);
    expect(answer.body.detail).toBe(answer.body.error.message);
    expect(answer.body.detail.length).toBeGreaterThan(0);
  });
});
