/// <reference types="vite/client" />
/**
 * yfinance against Yahoo's recorded chart answers, served over HTTP by the fixture server.
 * Request in: GET {base}/v8/finance/chart/{symbol}?range=1d&interval=1d. Response out: meta.regularMarketPrice at
 * meta.regularMarketTime (seconds -> ms), or the API error it means.
 */
import { describe, expect, it } from "vitest";
import aaplRange1d from "../../../shared/fixtures/providers/yahoo/chart_1d_aapl_range1d_2025-02-18.json?raw";
import unknownSymbol404 from "../../../shared/fixtures/providers/yahoo/chart_error_unknown_symbol_404.json?raw";
import { fetchQuotes } from "../../src/providers/http";
import { yahoo } from "../../src/providers/yahoo";
import { requestsMatching, serve } from "../support/scenario";

describe("yfinance: GET /v8/finance/chart/{symbol}?range=1d&interval=1d", () => {
  it("quotes AAPL at meta.regularMarketPrice, stamped meta.regularMarketTime, and keeps the raw answer", async () => {
    const { tag, baseUrl } = await serve({ fixture: "yahoo/chart_1d_aapl_range1d_2025-02-18.json" });

    const batch = await fetchQuotes(yahoo, ["AAPL"], { baseUrl, timeoutMs: 1500 });

    expect(await requestsMatching(tag)).toMatchObject([
      { method: "GET", url: `/${tag}/v8/finance/chart/AAPL?range=1d&interval=1d` },
    ]);
    // meta.regularMarketPrice 244.47 at meta.regularMarketTime 1739912400 (2025-02-18T21:00:00Z), not the bar's
    // close (244.47000122070312) at the bar's start (1739889000).
    expect([...batch.quotes.values()]).toEqual([
      {
        symbol: "AAPL",
        price: 244.47,
        timestamp: Date.parse("2025-02-18T21:00:00Z"),
        provider: "yfinance",
        currency: "USD",
        // The one daily bar's open (244.14999389648438) at priceHint 2.
        open: 244.15,
        high: 245.18,
        low: 241.84,
        // No meta.previousClose here: chartPreviousClose is the previous session's close on a range=1d chart.
        previousClose: 244.6,
        change: -0.13,
        changePercent: -0.0531479967,
        volume: 48158313,
        exchange: "NMS",
        // Asked long after the recorded currentTradingPeriod (2025-02-19) ended.
        marketState: "closed",
      },
    ]);
    expect(batch.failures.size).toBe(0);
    expect(batch.raw).toMatchObject({
      provider: "yfinance",
      url: `${baseUrl}/v8/finance/chart/AAPL?range=1d&interval=1d`,
      httpStatus: 200,
      body: aaplRange1d,
    });
  });

  it.each([
    // meta is the quote at recording time (2025), even though these requests were for old windows. Their
    // chartPreviousClose is the close before the old window (124.808 for AAPL), not the previous session's:
    // with no meta.previousClose, previous close and change are unknown; so is the open (no one-session bar).
    [
      "yahoo/chart_1d_aapl_2020-08-31_to_2020-11-07.json",
      "AAPL",
      "AAPL",
      { price: 244.87, timestamp: Date.parse("2025-02-19T21:00:01Z"), currency: "USD", high: 246.01, low: 243.16, volume: 32129951, exchange: "NMS" },
      { open: null, previousClose: null, change: null, changePercent: null },
    ],
    [
      "yahoo/chart_1d_btc-usd_2020-01-01_to_2020-01-03.json",
      "BTC-USD",
      "BTC-USD",
      { price: 97208.17, timestamp: Date.parse("2025-02-20T11:44:00Z"), currency: "USD", high: 97372.1, low: 96481.414, volume: 27909466112, exchange: "CCC" },
      { open: null, previousClose: null, change: null, changePercent: null },
    ],
    // The caret of an index travels URL-encoded. This chart has meta.previousClose, which wins; its bars are 5m,
    // so none of them is the session's open. An index has no volume: Yahoo says 0.
    [
      "yahoo/chart_5m_tnx_range1d.json",
      "^TNX",
      "%5ETNX",
      { price: 4.275, timestamp: Date.parse("2026-02-02T19:59:52Z"), currency: "USD", high: 4.261, low: 4.237, volume: 0, exchange: "CGI" },
      { open: null, previousClose: 4.227, change: 0.048, changePercent: 1.1355571327 },
    ],
  ])("%s: %s is quoted from meta", async (fixture, symbol, inPath, quoted, session) => {
    const { tag, baseUrl } = await serve({ fixture });

    const batch = await fetchQuotes(yahoo, [symbol], { baseUrl, timeoutMs: 1500 });

    expect((await requestsMatching(tag)).map((request) => request.url)).toEqual([
      `/${tag}/v8/finance/chart/${inPath}?range=1d&interval=1d`,
    ]);
    expect(batch.quotes.get(symbol)).toEqual({ symbol, provider: "yfinance", ...quoted, ...session, marketState: "closed" });
  });

  it.each([
    // currentTradingPeriod of the AAPL range=1d recording (2025-02-19, New York): pre 09:00, regular 14:30, post 21:00-01:00 UTC.
    ["2025-02-19T05:03:55Z", "closed"],
    ["2025-02-19T10:00:00Z", "pre"],
    ["2025-02-19T15:00:00Z", "regular"],
    ["2025-02-19T22:00:00Z", "post"],
    ["2025-02-20T02:00:00Z", "closed"],
  ])("at %s the market state is %s, from meta.currentTradingPeriod", (at, state) => {
    const response = { status: 200, body: aaplRange1d, headers: new Headers(), receivedAt: Date.parse(at) };

    expect(yahoo.transform(response, ["AAPL"]).quotes.get("AAPL")?.marketState).toBe(state);
  });

  it("turns HTTP 404 with chart.error 'Not Found' into 404 symbol_not_found", async () => {
    const { baseUrl } = await serve({ fixture: "yahoo/chart_error_unknown_symbol_404.json" });

    await expect(fetchQuotes(yahoo, ["INVALID.BO"], { baseUrl, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 404,
      code: "symbol_not_found",
      message: expect.stringContaining("INVALID.BO"),
    });
  });

  it("turns the same envelope with HTTP 422 'Unprocessable Entity' into 502 provider_error, with Yahoo's reason", async () => {
    // The 422 variant described in the 404 fixture's meta notes, in the 404 fixture's envelope.
    const envelope = JSON.parse(unknownSymbol404) as { chart: { error: { code: string; description: string } } };
    envelope.chart.error = {
      code: "Unprocessable Entity",
      description: "5m data not available for startTime=1. The requested range must be within the last 60 days.",
    };
    const { baseUrl } = await serve({ status: 422, json: envelope });

    await expect(fetchQuotes(yahoo, ["AAPL"], { baseUrl, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 502,
      code: "provider_error",
      message: expect.stringContaining("must be within the last 60 days"),
    });
  });

  it("turns a 200 chart without meta.regularMarketPrice into 502 provider_error", async () => {
    const chart = JSON.parse(aaplRange1d) as { chart: { result: [{ meta: Record<string, unknown> }] } };
    delete chart.chart.result[0].meta.regularMarketPrice;
    const { baseUrl } = await serve({ json: chart });

    await expect(fetchQuotes(yahoo, ["AAPL"], { baseUrl, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 502,
      code: "provider_error",
    });
  });

  it("turns Yahoo's plain-text 429 into 503 provider_rate_limited with retry_after", async () => {
    const { baseUrl } = await serve({
      status: 429,
      body: "Edge: Too Many Requests",
      headers: { "content-type": "text/plain", "retry-after": "30" },
    });

    await expect(fetchQuotes(yahoo, ["AAPL"], { baseUrl, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 503,
      code: "provider_rate_limited",
      extras: { retry_after: 30 },
    });
  });

  it.each([
    ["HTTP 500", { status: 500, body: "Internal Server Error" }],
    ["HTTP 403 with an HTML page", { status: 403, body: "<html><body>Forbidden</body></html>" }],
    ["HTTP 404 that is not Yahoo's envelope", { status: 404, body: "<html>Not Found</html>" }],
    ["a 200 that is not JSON", { status: 200, body: "<html>consent.yahoo.com</html>" }],
    ["a 200 that is JSON but not a chart", { status: 200, json: { finance: { result: null } } }],
  ])("turns %s into 502 provider_error", async (_, response) => {
    const { baseUrl } = await serve(response);

    await expect(fetchQuotes(yahoo, ["AAPL"], { baseUrl, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 502,
      code: "provider_error",
    });
  });

  it("turns no answer within timeoutMs into 502 provider_timeout", async () => {
    const { baseUrl } = await serve({ hang: true });

    await expect(fetchQuotes(yahoo, ["AAPL"], { baseUrl, timeoutMs: 300 })).rejects.toMatchObject({
      status: 502,
      code: "provider_timeout",
    });
  });
});
