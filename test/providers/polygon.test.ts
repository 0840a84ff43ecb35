/// <reference types="vite/client" />
/**
 * polygon against Polygon's recorded answers, served over HTTP: the last trade (nanosecond times beyond 2^53),
 * the range aggregates (ms bar starts, next_url paging) and, for the free plan's latest price, the previous-day
 * aggregate (same envelope as the range aggregates; no recording of its own).
 */
import { describe, expect, it } from "vitest";
import aggs from "../../../shared/fixtures/providers/polygon/v2_aggs_range_aapl_1day_2005-04-01_2005-04-04.json?raw";
import lastTrade from "../../../shared/fixtures/providers/polygon/v2_last_trade_aapl.json?raw";
import { fetchBars, type BarQuery } from "../../src/providers/history";
import { fetchQuotes } from "../../src/providers/http";
import { polygon } from "../../src/providers/polygon";
import { polygonHistory } from "../../src/providers/polygon-history";
import { requestsMatching, serve } from "../support/scenario";

const at = (iso: string) => Date.parse(iso);
const KEY = "test-polygon-key-5d1e";
const query: BarQuery = { symbol: "AAPL", interval: "1d", from: at("2005-04-01T00:00:00Z"), to: at("2005-04-05T00:00:00Z") };
const firstBar = { timestamp: at("2005-04-01T05:00:00Z"), open: 1.5032, high: 1.5064, low: 1.4489, close: 1.4604, volume: 642646396, adjustedClose: null };
// 2005-04-03 was the switch to EDT: the next bar starts at 04:00 UTC, midnight New York.
const secondBar = { timestamp: at("2005-04-04T04:00:00Z"), open: 1.4639, high: 1.4754, low: 1.4343, close: 1.4675, volume: 578172308, adjustedClose: null };

describe("polygon latest", () => {
  it("quotes the last trade: price p at t nanoseconds, converted exactly to ms", async () => {
    const { tag, baseUrl } = await serve({ fixture: "polygon/v2_last_trade_aapl.json" });

    const batch = await fetchQuotes(polygon, ["AAPL"], { baseUrl, apiKey: KEY, timeoutMs: 1500, latestFrom: "last_trade" });

    expect((await requestsMatching(tag))[0]?.url).toBe(`/${tag}/v2/last/trade/AAPL?apiKey=${KEY}`);
    expect(batch.quotes.get("AAPL")).toEqual({ symbol: "AAPL", price: 166.25, timestamp: 1651179319310, provider: "polygon" });
    expect(batch.raw?.url).toContain("apiKey=REDACTED");
  });

  it("keeps the nanoseconds' digits: a time JSON numbers would round up to the next millisecond stays in its own", async () => {
    // The recorded answer with t one nanosecond before a millisecond boundary; as a double it becomes …311000000.
    const { baseUrl } = await serve({ body: lastTrade.replace("1651179319310617300", "1651179319310999999") });

    const batch = await fetchQuotes(polygon, ["AAPL"], { baseUrl, apiKey: KEY, timeoutMs: 1500, latestFrom: "last_trade" });

    expect(batch.quotes.get("AAPL")?.timestamp).toBe(1651179319310);
  });

  it("quotes the previous-day aggregate by default (free plan): its close, at 16:00 New York that day", async () => {
    const { tag, baseUrl } = await serve({ fixture: "polygon/v2_aggs_range_aapl_1day_2005-04-01_2005-04-04.json" });

    const batch = await fetchQuotes(polygon, ["AAPL"], { baseUrl, apiKey: KEY, timeoutMs: 1500 });

    expect((await requestsMatching(tag))[0]?.url).toBe(`/${tag}/v2/aggs/ticker/AAPL/prev?adjusted=true&apiKey=${KEY}`);
    expect(batch.quotes.get("AAPL")).toEqual({ symbol: "AAPL", price: 1.4604, timestamp: at("2005-04-01T21:00:00Z"), provider: "polygon" });
  });

  it("turns HTTP 403 NOT_AUTHORIZED into 503 provider_plan_required", async () => {
    // Polygon's documented refusal shape (no recording).
    const { baseUrl } = await serve({
      status: 403,
      json: { status: "NOT_AUTHORIZED", request_id: "x", message: "You are not entitled to this data. Please upgrade your plan at https://polygon.io/pricing" },
    });

    await expect(fetchQuotes(polygon, ["AAPL"], { baseUrl, apiKey: KEY, timeoutMs: 1500, latestFrom: "last_trade" })).rejects.toMatchObject({
      status: 503,
      code: "provider_plan_required",
    });
  });

  it("needs a key", async () => {
    await expect(fetchQuotes(polygon, ["AAPL"], { baseUrl: "http://unused", timeoutMs: 1500 })).rejects.toMatchObject({ code: "provider_not_configured" });
  });
});

describe("polygon bars: GET /v2/aggs/ticker/{t}/range/{n}/{timespan}/{from}/{to}", () => {
  it("reads the recorded aggregates: ms bar starts, float volumes, adjusted closes as the close", async () => {
    const { tag, baseUrl } = await serve({ fixture: "polygon/v2_aggs_range_aapl_1day_2005-04-01_2005-04-04.json" });

    const page = await fetchBars(polygonHistory, query, { baseUrl, apiKey: KEY, timeoutMs: 1500 });

    expect((await requestsMatching(tag))[0]?.url).toBe(
      `/${tag}/v2/aggs/ticker/AAPL/range/1/day/1112313600000/1112659199999?adjusted=true&sort=asc&limit=50000&apiKey=${KEY}`,
    );
    expect(page.bars).toEqual([firstBar, secondBar]);
    expect(page.next).toBeNull();
  });

  it("follows next_url on the configured origin with the key added", async () => {
    // The recorded answer split into two pages linked by next_url, as Polygon pages a long window.
    const body = JSON.parse(aggs) as { results: unknown[]; next_url?: string };
    const { tag, baseUrl } = await serve(
      { json: { ...body, results: body.results.slice(0, 1), next_url: "https://api.polygon.io/v2/aggs/ticker/AAPL/range/1/day/1112313600000/1112659199999?cursor=bmV4dA" } },
      { json: { ...body, results: body.results.slice(1) } },
    );
    const config = { baseUrl, apiKey: KEY, timeoutMs: 1500 };

    const first = await fetchBars(polygonHistory, query, config);
    const second = await fetchBars(polygonHistory, query, config, first.next!);

    expect([...first.bars, ...second.bars]).toEqual([firstBar, secondBar]);
    expect(second.next).toBeNull();
    expect((await requestsMatching(tag))[1]?.url).toBe(`/${tag}/v2/aggs/ticker/AAPL/range/1/day/1112313600000/1112659199999?cursor=bmV4dA&apiKey=${KEY}`);
    expect(second.raw.url).toContain("apiKey=REDACTED");
  });

  it("answers no bars for a window without results", async () => {
    const body = JSON.parse(aggs) as Record<string, unknown>;
    delete body.results;
    const { baseUrl } = await serve({ json: { ...body, resultsCount: 0, count: 0 } });

    expect((await fetchBars(polygonHistory, query, { baseUrl, apiKey: KEY, timeoutMs: 1500 })).bars).toEqual([]);
  });
});
