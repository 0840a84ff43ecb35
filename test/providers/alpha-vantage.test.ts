/// <reference types="vite/client" />
/**
 * alpha_vantage against Alpha Vantage's recorded answers, served over HTTP by the fixture server.
 * Request in: GET {base}/query?function=GLOBAL_QUOTE&symbol=…&apikey=…. Response out: "05. price", stamped at the
 * US close (16:00 New York) of "07. latest trading day", or the API error the body means (all of them are HTTP 200).
 */
import { describe, expect, it } from "vitest";
import ibm from "../../../shared/fixtures/providers/alphavantage/global_quote_ibm_2020-05-08.json?raw";
import msft from "../../../shared/fixtures/providers/alphavantage/global_quote_msft_2018-10-05.json?raw";
import { alphaVantage, newYorkCloseOf } from "../../src/providers/alpha-vantage";
import { fetchQuotes } from "../../src/providers/http";
import { requestsMatching, serve } from "../support/scenario";

const KEY = "av-test-key-5d1e";

describe("alpha_vantage: GET /query?function=GLOBAL_QUOTE&symbol={symbol}&apikey={key}", () => {
  it("quotes MSFT at '05. price', stamped 16:00 New York (EDT) on '07. latest trading day', key redacted", async () => {
    const { tag, baseUrl } = await serve({ fixture: "alphavantage/global_quote_msft_2018-10-05.json" });

    const batch = await fetchQuotes(alphaVantage, ["MSFT"], { baseUrl, apiKey: KEY, timeoutMs: 1500 });

    expect((await requestsMatching(tag)).map((request) => request.url)).toEqual([
      `/${tag}/query?function=GLOBAL_QUOTE&symbol=MSFT&apikey=${KEY}`,
    ]);
    // "05. price": "112.1300", "07. latest trading day": "2018-10-05" (a Friday in EDT, UTC-4).
    // The other strings are the session's details: "-0.6600" and "-0.5852%" keep their sign, lose the %.
    expect([...batch.quotes.values()]).toEqual([
      {
        symbol: "MSFT",
        price: 112.13,
        timestamp: Date.parse("2018-10-05T20:00:00Z"),
        provider: "alpha_vantage",
        open: 112.63,
        high: 113.17,
        low: 110.64,
        previousClose: 112.79,
        change: -0.66,
        changePercent: -0.5852,
        volume: 29062853,
      },
    ]);
    expect(batch.failures.size).toBe(0);
    expect(batch.raw).toMatchObject({
      url: `${baseUrl}/query?function=GLOBAL_QUOTE&symbol=MSFT&apikey=REDACTED`,
      httpStatus: 200,
      body: msft,
    });
    expect(batch.raw?.url).not.toContain(KEY);
  });

  it("quotes IBM from the 2020 sample the same way", async () => {
    const { baseUrl } = await serve({ fixture: "alphavantage/global_quote_ibm_2020-05-08.json" });

    const batch = await fetchQuotes(alphaVantage, ["IBM"], { baseUrl, apiKey: KEY, timeoutMs: 1500 });

    expect(batch.quotes.get("IBM")).toEqual({
      symbol: "IBM",
      price: 121.74,
      timestamp: Date.parse("2020-05-08T20:00:00Z"),
      provider: "alpha_vantage",
      open: 122.67,
      high: 122.8,
      low: 121.06,
      previousClose: 121.23,
      change: 0.51,
      changePercent: 0.4207,
      volume: 2528814,
    });
    expect(batch.raw?.body).toBe(ibm);
  });

  it("stamps a quote that arrives before that day's close with its arrival time, never a future close", () => {
    // The IBM sample was captured during the 2020-05-08 session (per its meta); say it arrived at 14:07:03 EDT.
    const arrived = Date.parse("2020-05-08T18:07:03Z");

    const parts = alphaVantage.transform({ status: 200, body: ibm, headers: new Headers(), receivedAt: arrived }, ["IBM"]);

    expect(parts.quotes.get("IBM")).toMatchObject({ price: 121.74, timestamp: arrived });
  });

  it.each([
    ["2020-01-15", "2020-01-15T21:00:00Z"], // winter: EST, UTC-5
    ["2018-10-05", "2018-10-05T20:00:00Z"], // summer: EDT, UTC-4
    ["2025-03-07", "2025-03-07T21:00:00Z"], // the Friday before clocks go forward on 2025-03-09
    ["2025-03-10", "2025-03-10T20:00:00Z"], // the Monday after
    ["2025-10-31", "2025-10-31T20:00:00Z"], // the Friday before clocks go back on 2025-11-02
    ["2025-11-03", "2025-11-03T21:00:00Z"], // the Monday after
  ])("the US close of %s is %s", (day, close) => {
    expect(newYorkCloseOf(day)).toBe(Date.parse(close));
  });

  it('turns {"Global Quote": {}} (an unknown symbol) into 404 symbol_not_found', async () => {
    const { baseUrl } = await serve({ fixture: "alphavantage/global_quote_unknown_symbol_empty.json" });

    await expect(fetchQuotes(alphaVantage, ["NOSUCH"], { baseUrl, apiKey: KEY, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 404,
      code: "symbol_not_found",
      message: expect.stringContaining("NOSUCH"),
    });
  });

  it.each([
    ["alphavantage/rate_limit_note_2018.json"], // {"Note": "... 5 calls per minute and 500 calls per day ..."}
    ["alphavantage/rate_limit_information_2025.json"], // {"Information": "... (25 requests per day) ..."}
  ])("turns the HTTP 200 rate-limit body %s into 503 provider_rate_limited, retry_after 60", async (fixture) => {
    const { baseUrl } = await serve({ fixture });

    await expect(fetchQuotes(alphaVantage, ["IBM"], { baseUrl, apiKey: KEY, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 503,
      code: "provider_rate_limited",
      extras: { retry_after: 60 },
    });
  });

  it('turns {"Error Message": "Invalid API call ..."} into 502 provider_error: an invalid call, not an unknown symbol', async () => {
    const { baseUrl } = await serve({ fixture: "alphavantage/error_invalid_call_time_series_daily.json" });

    await expect(fetchQuotes(alphaVantage, ["IWDA.AS"], { baseUrl, apiKey: KEY, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 502,
      code: "provider_error",
      message: expect.stringContaining("Invalid API call"),
    });
  });

  it.each([
    ["alphavantage/time_series_daily_ibm_2020-05-08_trimmed.json"],
    ["alphavantage/time_series_intraday_1min_msft_2017-12-18.json"],
  ])("turns an answer of another function (%s) into 502 provider_error", async (fixture) => {
    const { baseUrl } = await serve({ fixture });

    await expect(fetchQuotes(alphaVantage, ["IBM"], { baseUrl, apiKey: KEY, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 502,
      code: "provider_error",
    });
  });

  it("turns a Global Quote without a numeric '05. price' into 502 provider_error", async () => {
    const body = JSON.parse(msft) as { "Global Quote": Record<string, string> };
    body["Global Quote"]["05. price"] = "";
    const { baseUrl } = await serve({ json: body });

    await expect(fetchQuotes(alphaVantage, ["MSFT"], { baseUrl, apiKey: KEY, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 502,
      code: "provider_error",
    });
  });

  it.each([
    ["HTTP 500", { status: 500, body: "Internal Server Error" }],
    ["HTTP 403", { status: 403, body: "Forbidden" }],
    ["a 200 that is not JSON", { status: 200, body: "<!DOCTYPE html><title>Alpha Vantage</title>" }],
  ])("turns %s into 502 provider_error", async (_, response) => {
    const { baseUrl } = await serve(response);

    await expect(fetchQuotes(alphaVantage, ["IBM"], { baseUrl, apiKey: KEY, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 502,
      code: "provider_error",
    });
  });

  it("turns no answer within timeoutMs into 502 provider_timeout", async () => {
    const { baseUrl } = await serve({ hang: true });

    await expect(fetchQuotes(alphaVantage, ["IBM"], { baseUrl, apiKey: KEY, timeoutMs: 300 })).rejects.toMatchObject({
      status: 502,
      code: "provider_timeout",
    });
  });

  it("without a key answers 503 provider_not_configured and asks nothing", async () => {
    const { tag, baseUrl } = await serve({ fixture: "alphavantage/global_quote_ibm_2020-05-08.json" });

    await expect(fetchQuotes(alphaVantage, ["IBM"], { baseUrl, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 503,
      code: "provider_not_configured",
    });
    expect(await requestsMatching(tag)).toEqual([]);
  });
});
