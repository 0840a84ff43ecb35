/// <reference types="vite/client" />
/**
 * alpha_vantage bars against Alpha Vantage's recorded TIME_SERIES_* answers, served over HTTP.
 * Request in: GET {base}/query?function=TIME_SERIES_DAILY|TIME_SERIES_INTRADAY&… Response out: bars oldest first,
 * local US/Eastern times converted to UTC (EST or EDT by date), or the error an HTTP 200 body means.
 */
import { describe, expect, it } from "vitest";
import daily from "../../../shared/fixtures/providers/alphavantage/time_series_daily_ibm_2020-05-08_trimmed.json?raw";
import { alphaVantageHistory, localTimeToEpoch } from "../../src/providers/alpha-vantage-history";
import { fetchBars, type BarQuery } from "../../src/providers/history";
import { requestsMatching, serve } from "../support/scenario";

const at = (iso: string) => Date.parse(iso);
const KEY = "test-av-history-key";
const ibmDaily: BarQuery = { symbol: "IBM", interval: "1d", from: at("2020-05-01T00:00:00Z"), to: at("2020-05-09T00:00:00Z") };

describe("alpha_vantage bars", () => {
  it("reads TIME_SERIES_DAILY: string numbers, dates as keys (newest first), each day from 00:00 New York (EDT)", async () => {
    const { tag, baseUrl } = await serve({ fixture: "alphavantage/time_series_daily_ibm_2020-05-08_trimmed.json" });

    const page = await fetchBars(alphaVantageHistory, ibmDaily, { baseUrl, apiKey: KEY, timeoutMs: 1500 });

    const [request] = await requestsMatching(tag);
    expect(new URL(request!.url, "http://x").searchParams.get("function")).toBe("TIME_SERIES_DAILY");
    expect(page.bars).toEqual([
      { timestamp: at("2020-05-07T04:00:00Z"), open: 122.98, high: 123.26, low: 120.85, close: 121.23, volume: 4412047, adjustedClose: null },
      { timestamp: at("2020-05-08T04:00:00Z"), open: 122.67, high: 122.8, low: 121.06, close: 121.79, volume: 2538547, adjustedClose: null },
    ]);
    expect(page.timeZone).toBe("America/New_York");
    expect(page.raw.url).not.toContain(KEY);
  });

  it("reads TIME_SERIES_INTRADAY 1min for one month: 100 bars, 14:56 EST = 19:56 UTC", async () => {
    const { tag, baseUrl } = await serve({ fixture: "alphavantage/time_series_intraday_1min_msft_2017-12-18.json" });
    const query: BarQuery = { symbol: "MSFT", interval: "1m", from: at("2017-12-18T00:00:00Z"), to: at("2017-12-19T00:00:00Z") };

    const page = await fetchBars(alphaVantageHistory, query, { baseUrl, apiKey: KEY, timeoutMs: 1500 });

    const params = new URL((await requestsMatching(tag))[0]!.url, "http://x").searchParams;
    expect(Object.fromEntries(params)).toMatchObject({ function: "TIME_SERIES_INTRADAY", symbol: "MSFT", interval: "1min", month: "2017-12", outputsize: "full" });
    expect(page.bars).toHaveLength(100);
    expect(page.bars[0]).toEqual({ timestamp: at("2017-12-18T18:17:00Z"), open: 86.8101, high: 86.82, low: 86.79, close: 86.8, volume: 31172, adjustedClose: null });
    expect(page.bars[99]).toEqual({ timestamp: at("2017-12-18T19:56:00Z"), open: 86.49, high: 86.5, low: 86.475, close: 86.5, volume: 10494, adjustedClose: null });
  });

  it("reads the adjusted daily series' other keys: 5. adjusted close, 6. volume", async () => {
    // No recording of TIME_SERIES_DAILY_ADJUSTED: the recorded daily answer with its keys as documented.
    const body = JSON.parse(daily) as { "Time Series (Daily)": Record<string, Record<string, string>> };
    for (const bar of Object.values(body["Time Series (Daily)"])) {
      bar["6. volume"] = bar["5. volume"]!;
      bar["5. adjusted close"] = "100.5000";
      delete bar["5. volume"];
    }
    const { baseUrl } = await serve({ json: body });

    const page = await fetchBars(alphaVantageHistory, ibmDaily, { baseUrl, apiKey: KEY, timeoutMs: 1500 });

    expect(page.bars.map((bar) => [bar.close, bar.adjustedClose, bar.volume])).toEqual([
      [121.23, 100.5, 4412047],
      [121.79, 100.5, 2538547],
    ]);
  });

  it("answers no bars for an empty series", async () => {
    const body = JSON.parse(daily) as Record<string, unknown>;
    body["Time Series (Daily)"] = {};
    const { baseUrl } = await serve({ json: body });

    expect((await fetchBars(alphaVantageHistory, ibmDaily, { baseUrl, apiKey: KEY, timeoutMs: 1500 })).bars).toEqual([]);
  });

  it.each([["alphavantage/rate_limit_note_2018.json"], ["alphavantage/rate_limit_information_2025.json"]])(
    "turns the HTTP 200 limit body %s into 503 provider_rate_limited",
    async (fixture) => {
      const { baseUrl } = await serve({ fixture });

      await expect(fetchBars(alphaVantageHistory, ibmDaily, { baseUrl, apiKey: KEY, timeoutMs: 1500 })).rejects.toMatchObject({
        status: 503,
        code: "provider_rate_limited",
      });
    },
  );

  it("turns the HTTP 200 Error Message into 502 provider_error with Alpha Vantage's words", async () => {
    const { baseUrl } = await serve({ fixture: "alphavantage/error_invalid_call_time_series_daily.json" });

    await expect(fetchBars(alphaVantageHistory, ibmDaily, { baseUrl, apiKey: KEY, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 502,
      code: "provider_error",
      message: expect.stringContaining("Invalid API call"),
    });
  });

  it("converts US/Eastern wall-clock times across both DST switches", () => {
    expect(localTimeToEpoch("2020-03-08 01:59:00", "US/Eastern")).toBe(at("2020-03-08T06:59:00Z"));
    expect(localTimeToEpoch("2020-03-08 03:00:00", "US/Eastern")).toBe(at("2020-03-08T07:00:00Z"));
    expect(localTimeToEpoch("2020-11-01 00:30:00", "US/Eastern")).toBe(at("2020-11-01T04:30:00Z"));
    expect(localTimeToEpoch("2020-11-01 02:00:00", "US/Eastern")).toBe(at("2020-11-01T07:00:00Z"));
    expect(localTimeToEpoch("2020-07-04", "US/Eastern")).toBe(at("2020-07-04T04:00:00Z"));
  });

  it("asks intraday bars one calendar month per request, daily bars in one", () => {
    const windows = alphaVantageHistory.split({ symbol: "IBM", interval: "5m", from: at("2024-01-15T00:00:00Z"), to: at("2024-03-10T00:00:00Z") });
    expect(windows.map((w) => [new Date(w.from).toISOString(), new Date(w.to).toISOString()])).toEqual([
      ["2024-01-15T00:00:00.000Z", "2024-02-01T00:00:00.000Z"],
      ["2024-02-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z"],
      ["2024-03-01T00:00:00.000Z", "2024-03-10T00:00:00.000Z"],
    ]);
    expect(alphaVantageHistory.split({ ...ibmDaily, from: 0 })).toHaveLength(1);
    expect(alphaVantageHistory.intervals).not.toContain("1wk");
  });
});
