/// <reference types="vite/client" />
/**
 * binance bars against Binance's recorded klines, served over HTTP.
 * Request in: GET {base}/api/v3/klines?symbol=&interval=&startTime=&endTime=&limit=1000. Response out: bars at
 * their open time (ms), string numbers parsed, or the API error.
 */
import { describe, expect, it } from "vitest";
import { binanceHistory } from "../../src/providers/binance-history";
import { fetchBars, type BarQuery } from "../../src/providers/history";
import { requestsMatching, serve } from "../support/scenario";

const at = (iso: string) => Date.parse(iso);
const DAY = 86_400_000;
const query: BarQuery = { symbol: "BTCUSDT", interval: "1d", from: at("2021-01-01T00:00:00Z"), to: at("2021-01-03T00:00:00Z") };

describe("binance bars: GET /api/v3/klines", () => {
  it("reads the recorded klines: ms open times, string prices and volumes", async () => {
    const { tag, baseUrl } = await serve({ fixture: "binance/klines_btcusdt_1d_2021-01-01.json" });

    const page = await fetchBars(binanceHistory, query, { baseUrl, timeoutMs: 1500 });

    expect((await requestsMatching(tag)).map((request) => request.url)).toEqual([
      `/${tag}/api/v3/klines?symbol=BTCUSDT&interval=1d&startTime=1609459200000&endTime=1609631999999&limit=1000`,
    ]);
    expect(page.bars).toEqual([
      { timestamp: at("2021-01-01T00:00:00Z"), open: 28923.63, high: 29600, low: 28624.57, close: 29331.69, volume: 54182.925011, adjustedClose: null },
      { timestamp: at("2021-01-02T00:00:00Z"), open: 29331.7, high: 33300, low: 28946.53, close: 32178.33, volume: 129993.873362, adjustedClose: null },
    ]);
  });

  it("answers no bars for an empty window ([])", async () => {
    const { baseUrl } = await serve({ json: [] });

    expect((await fetchBars(binanceHistory, query, { baseUrl, timeoutMs: 1500 })).bars).toEqual([]);
  });

  it("turns -1121 Invalid symbol into 404 symbol_not_found", async () => {
    const { baseUrl } = await serve({ fixture: "binance/error_invalid_symbol_doc_example.json" });

    await expect(fetchBars(binanceHistory, { ...query, symbol: "NOPEUSDT" }, { baseUrl, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 404,
      code: "symbol_not_found",
    });
  });

  it("asks at most 1000 bars per request; weekly bars are Binance's 1w", async () => {
    expect(binanceHistory.split({ ...query, from: 0, to: 2500 * DAY }).map((w) => [w.from, w.to])).toEqual([
      [0, 1000 * DAY],
      [1000 * DAY, 2000 * DAY],
      [2000 * DAY, 2500 * DAY],
    ]);
    expect(binanceHistory.query({ ...query, interval: "1wk" }, { baseUrl: "https://b", timeoutMs: 1 }).url).toContain("interval=1w&");
  });
});
