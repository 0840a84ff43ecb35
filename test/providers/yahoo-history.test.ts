/// <reference types="vite/client" />
/**
 * yfinance bars against Yahoo's recorded chart answers, served over HTTP by the fixture server.
 * Request in: GET {base}/v8/finance/chart/{symbol}?period1=&period2=&interval=. Response out: bars oldest first,
 * each at its start (seconds -> ms), or the API error the answer means.
 */
import { describe, expect, it } from "vitest";
import btcDaily from "../../../shared/fixtures/providers/yahoo/chart_1d_btc-usd_2020-01-01_to_2020-01-03.json?raw";
import tnx5m from "../../../shared/fixtures/providers/yahoo/chart_5m_tnx_range1d.json?raw";
import { fetchBars, type BarQuery } from "../../src/providers/history";
import { yahooHistory } from "../../src/providers/yahoo-history";
import { requestsMatching, serve } from "../support/scenario";

const at = (iso: string) => Date.parse(iso);
const aaplQuery: BarQuery = { symbol: "AAPL", interval: "1d", from: at("2020-08-31T00:00:00Z"), to: at("2020-11-07T00:00:00Z") };

describe("yfinance bars: GET /v8/finance/chart/{symbol}?period1&period2&interval", () => {
  it("reads AAPL's 49 daily bars at the session open (13:30 UTC in summer time, 14:30 after), with adjclose", async () => {
    const { tag, baseUrl } = await serve({ fixture: "yahoo/chart_1d_aapl_2020-08-31_to_2020-11-07.json" });

    const page = await fetchBars(yahooHistory, aaplQuery, { baseUrl, timeoutMs: 1500 });

    expect((await requestsMatching(tag)).map((request) => request.url)).toEqual([
      `/${tag}/v8/finance/chart/AAPL?period1=1598832000&period2=1604707200&interval=1d&events=div%7Csplit`,
    ]);
    expect(page.bars).toHaveLength(49);
    expect(page.bars[0]).toEqual({
      timestamp: at("2020-08-31T13:30:00Z"),
      open: 127.58000183105469,
      high: 131,
      low: 126,
      close: 129.0399932861328,
      volume: 225702700,
      adjustedClose: 125.82673645019531,
    });
    expect(page.bars[47]?.timestamp).toBe(at("2020-11-05T14:30:00Z"));
    expect(page.bars[48]).toEqual({
      timestamp: at("2020-11-06T14:30:00Z"),
      open: 118.31999969482422,
      high: 119.19999694824219,
      low: 116.12999725341797,
      close: 118.69000244140625,
      volume: 114457900,
      adjustedClose: 115.93415069580078,
    });
    expect(page.timeZone).toBe("America/New_York");
    expect(page.raw).toMatchObject({ provider: "yfinance", httpStatus: 200 });
  });

  it("reads BTC-USD's daily bars at 00:00 UTC, every value exact", async () => {
    const { baseUrl } = await serve({ fixture: "yahoo/chart_1d_btc-usd_2020-01-01_to_2020-01-03.json" });

    const page = await fetchBars(yahooHistory, { symbol: "BTC-USD", interval: "1d", from: at("2020-01-01T00:00:00Z"), to: at("2020-01-04T00:00:00Z") }, { baseUrl, timeoutMs: 1500 });

    expect(page.bars).toEqual([
      { timestamp: at("2020-01-01T00:00:00Z"), open: 7194.89208984375, high: 7254.33056640625, low: 7174.9443359375, close: 7200.17431640625, volume: 18565664997, adjustedClose: 7200.17431640625 },
      { timestamp: at("2020-01-02T00:00:00Z"), open: 7202.55126953125, high: 7212.1552734375, low: 6935.27001953125, close: 6985.47021484375, volume: 20802083465, adjustedClose: 6985.47021484375 },
      { timestamp: at("2020-01-03T00:00:00Z"), open: 6984.4287109375, high: 7413.71533203125, low: 6914.99609375, close: 7344.88427734375, volume: 28111481032, adjustedClose: 7344.88427734375 },
    ]);
    expect(page.timeZone).toBe("UTC");
  });

  it("reads ^TNX's 5-minute bars: volume 0 stays 0, no adjclose means adjustedClose null, the caret URL-encoded", async () => {
    const { tag, baseUrl } = await serve({ fixture: "yahoo/chart_5m_tnx_range1d.json" });

    const page = await fetchBars(yahooHistory, { symbol: "^TNX", interval: "5m", from: 1770057900_000, to: 1770062400_000 }, { baseUrl, timeoutMs: 1500 });

    expect((await requestsMatching(tag))[0]?.url).toBe(`/${tag}/v8/finance/chart/%5ETNX?period1=1770057900&period2=1770062400&interval=5m&events=div%7Csplit`);
    expect(page.bars).toHaveLength(15);
    expect(page.bars[0]).toEqual({ timestamp: 1770057900_000, open: 4.270999908447266, high: 4.2729997634887695, low: 4.270999908447266, close: 4.270999908447266, volume: 0, adjustedClose: null });
    expect(page.bars[14]).toEqual({ timestamp: 1770062100_000, open: 4.2729997634887695, high: 4.275000095367432, low: 4.269000053405762, close: 4.275000095367432, volume: 0, adjustedClose: null });
    expect(page.timeZone).toBe("America/Chicago");
  });

  it("skips a gap (null in the parallel arrays) instead of making a zero bar; a null volume alone is volume null", async () => {
    // No recording has nulls: the recorded ^TNX answer with index 3 a gap and index 5's volume missing.
    const chart = JSON.parse(tnx5m) as { chart: { result: [{ indicators: { quote: [Record<string, (number | null)[]>] } }] } };
    const quote = chart.chart.result[0].indicators.quote[0];
    for (const series of Object.values(quote)) series[3] = null;
    quote.volume![5] = null;
    const { baseUrl } = await serve({ json: chart });

    const page = await fetchBars(yahooHistory, { symbol: "^TNX", interval: "5m", from: 1770057900_000, to: 1770062400_000 }, { baseUrl, timeoutMs: 1500 });

    expect(page.bars).toHaveLength(14);
    expect(page.bars.map((bar) => bar.timestamp)).not.toContain(1770058800_000);
    expect(page.bars.find((bar) => bar.timestamp === 1770059400_000)).toMatchObject({ close: 4.275000095367432, volume: null });
  });

  it("answers no bars for a window without trading: HTTP 200 without a timestamp key", async () => {
    // The recorded BTC-USD answer as Yahoo sends an empty window: meta, no timestamp, empty indicators.
    const chart = JSON.parse(btcDaily) as { chart: { result: [Record<string, unknown>] } };
    delete chart.chart.result[0].timestamp;
    chart.chart.result[0].indicators = { quote: [{}], adjclose: [{}] };
    const { baseUrl } = await serve({ json: chart });

    const page = await fetchBars(yahooHistory, { symbol: "BTC-USD", interval: "1d", from: at("2030-01-01T00:00:00Z"), to: at("2030-01-02T00:00:00Z") }, { baseUrl, timeoutMs: 1500 });

    expect(page.bars).toEqual([]);
  });

  it("turns the 404 envelope into symbol_not_found", async () => {
    const { baseUrl } = await serve({ fixture: "yahoo/chart_error_unknown_symbol_404.json" });

    await expect(fetchBars(yahooHistory, { ...aaplQuery, symbol: "INVALID.BO" }, { baseUrl, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 404,
      code: "symbol_not_found",
    });
  });

  it("asks 1m bars 7 days per request, only for the last 30 days", () => {
    const day = 86_400_000;
    expect(yahooHistory.split({ symbol: "AAPL", interval: "1m", from: 0, to: 20 * day }).map((w) => [w.from, w.to])).toEqual([
      [0, 7 * day],
      [7 * day, 14 * day],
      [14 * day, 20 * day],
    ]);
    expect(yahooHistory.lookbackMs("1m")).toBe(30 * day);
    expect(yahooHistory.split({ symbol: "AAPL", interval: "1d", from: 0, to: 40 * 365 * day })).toHaveLength(1);
  });
});
