/**
 * Anonymous reads spend nothing keyed clients and jobs need (issue: 70 anonymous reads, then a keyed poll answered
 * 503 provider_rate_limited). While API_KEYS is set, a client without a valid key is served stored data only:
 * latest answers the stored price whatever max_age says, or 401 when none is stored, and never asks the
 * provider; bars are the stored ones, with a hint naming what the store lacks; a moving average is answered but
 * not stored.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { BASE, countRows, uniqueSymbol } from "../support/api";
import { requestsMatching, whenRequested } from "../support/scenario";

const app = createApp();
const KEY = "anon-budget-key-3e1f";
const keyed = { authorization: `Bearer ${KEY}` };
const YAHOO_AAPL = "yahoo/chart_1d_aapl_range1d_2025-02-18.json";
const YAHOO_AAPL_DAILY = "yahoo/chart_1d_aapl_2020-08-31_to_2020-11-07.json";

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await app.request(`${BASE}${path}`, { headers }, { ...env, API_KEYS: KEY });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("anonymous clients while API_KEYS is set", () => {
  it("never make a provider request for latest, even with max_age=0, and get 401 while nothing is stored", async () => {
    const symbol = uniqueSymbol("A");
    await whenRequested({ match: `/yahoo/v8/finance/chart/${symbol}`, responses: [{ fixture: YAHOO_AAPL }] });

    for (let i = 0; i < 5; i++) {
      const answer = await get(`/prices/latest?symbol=${symbol}&provider=yfinance&max_age=0`);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: { code: "unauthorized", message: expect.stringContaining("API key") } });
    }
    expect(await requestsMatching(`/chart/${symbol}`)).toHaveLength(0);
    expect(await countRows("price_points", symbol, "yfinance")).toBe(0);
  });

  it("get the stored latest, whatever its age, once a keyed client or a job stored one", async () => {
    const symbol = uniqueSymbol("A");
    await whenRequested({ match: `/yahoo/v8/finance/chart/${symbol}`, responses: [{ fixture: YAHOO_AAPL }] });
    const fetched = await get(`/prices/latest?symbol=${symbol}&provider=yfinance`, keyed);
    expect(fetched.status).toBe(200);

    const anonymous = await get(`/prices/latest?symbol=${symbol}&provider=yfinance&max_age=0`);

    expect(anonymous).toEqual({ status: 200, body: fetched.body });
    expect(await requestsMatching(`/chart/${symbol}`)).toHaveLength(1);
    // A keyed client still asks the provider when it wants to.
    await get(`/prices/latest?symbol=${symbol}&provider=yfinance&max_age=0`, keyed);
    expect(await requestsMatching(`/chart/${symbol}`)).toHaveLength(2);
  });

  it("get a moving average that writes no row; a keyed client's is stored", async () => {
    const symbol = uniqueSymbol("M");
    const insert = env.DB.prepare("INSERT INTO price_points (symbol, provider, ts, price, raw_response_id, created_at) VALUES (?, 'synthetic', ?, ?, 'seed', 0)");
    await env.DB.batch([1, 2, 3].map((i) => insert.bind(symbol, Date.parse("2025-01-06T14:30:00Z") + i * 1000, 100 + i)));

    const anonymous = await get(`/ma/${symbol}?window=3&provider=synthetic`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toMatchObject({ moving_average: 102, points: 3 });
    const byQuery = await get(`/prices/ma?symbol=${symbol}&window=2&provider=synthetic`);
    expect(byQuery.status).toBe(200);
    expect(await countRows("moving_averages", symbol, "synthetic")).toBe(0);

    expect((await get(`/ma/${symbol}?window=3&provider=synthetic`, keyed)).status).toBe(200);
    expect(await countRows("moving_averages", symbol, "synthetic")).toBe(1);
  });

  it("get the stored bars and a hint for what the store lacks, never a provider request; a keyed client fills the store", async () => {
    const symbol = uniqueSymbol("H");
    await whenRequested({ match: `/yahoo/v8/finance/chart/${symbol}?`, responses: [{ fixture: YAHOO_AAPL_DAILY }] });
    const range = `symbol=${symbol}&interval=1d&provider=yfinance&from=2020-08-31T00:00:00Z&to=2020-11-07T00:00:00Z`;

    const before = await get(`/prices/bars?${range}`);

    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      bars: [],
      backfill: {
        missing: [{ from: "2020-08-31T00:00:00.000Z", to: "2020-11-07T00:00:00.000Z" }],
        requests: 1,
        message: expect.stringContaining("needs an API key"),
      },
    });
    expect(await requestsMatching(`/chart/${symbol}`)).toHaveLength(0);
    expect(await countRows("price_bars", symbol, "yfinance")).toBe(0);

    const filled = await get(`/prices/bars?${range}`, keyed);
    const after = await get(`/prices/bars?${range}`);

    expect(filled.body).toMatchObject({ backfill: null });
    expect(filled.body.bars).toHaveLength(49);
    expect(after).toEqual({ status: 200, body: filled.body });
    expect(await requestsMatching(`/chart/${symbol}`)).toHaveLength(1);
  });

  it("an invalid key counts as anonymous", async () => {
    const symbol = uniqueSymbol("A");
    await whenRequested({ match: `/yahoo/v8/finance/chart/${symbol}`, responses: [{ fixture: YAHOO_AAPL }] });
    const answer = await get(`/prices/latest?symbol=${symbol}&provider=yfinance`, { authorization: "Bearer not-a-key" });
    expect(answer.status).toBe(401);
    expect(await requestsMatching(`/chart/${symbol}`)).toHaveLength(0);
  });
});
