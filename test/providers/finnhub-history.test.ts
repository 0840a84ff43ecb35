/// <reference types="vite/client" />
/**
 * finnhub bars: /stock/candle is premium-only. The recorded free-plan refusal (HTTP 403 {"error":…}) becomes the
 * documented 503 provider_plan_required; success bodies have no recording and follow Finnhub's documentation.
 */
import { describe, expect, it } from "vitest";
import { finnhubHistory } from "../../src/providers/finnhub-history";
import { fetchBars, type BarQuery } from "../../src/providers/history";
import { requestsMatching, serve } from "../support/scenario";

const KEY = "test-finnhub-history-token";
const query: BarQuery = { symbol: "AAPL", interval: "1d", from: 1_600_000_000_000, to: 1_600_864_000_000 };

describe("finnhub bars: GET /stock/candle", () => {
  it("turns the free plan's HTTP 403 into 503 provider_plan_required, without the token", async () => {
    const { tag, baseUrl } = await serve({ fixture: "finnhub/error_no_access_quote_non_us_symbol.json" });

    const refusal = fetchBars(finnhubHistory, query, { baseUrl, apiKey: KEY, timeoutMs: 1500 });

    await expect(refusal).rejects.toMatchObject({ status: 503, code: "provider_plan_required", message: expect.stringContaining("paid plan") });
    expect((await requestsMatching(tag))[0]?.url).toBe(`/${tag}/stock/candle?symbol=AAPL&resolution=D&from=1600000000&to=1600863999&token=${KEY}`);
  });

  it("reads a documented candle body and no_data", async () => {
    const { baseUrl } = await serve(
      { json: { c: [217.68, 221.03], h: [222.49, 221.5], l: [217.19, 217.14], o: [221.03, 218.55], s: "ok", t: [1569297600, 1569384000], v: [33463820, 24018876] } },
      { json: { s: "no_data" } },
    );

    const page = await fetchBars(finnhubHistory, query, { baseUrl, apiKey: KEY, timeoutMs: 1500 });
    const empty = await fetchBars(finnhubHistory, query, { baseUrl, apiKey: KEY, timeoutMs: 1500 });

    expect(page.bars).toEqual([
      { timestamp: 1569297600_000, open: 221.03, high: 222.49, low: 217.19, close: 217.68, volume: 33463820, adjustedClose: null },
      { timestamp: 1569384000_000, open: 218.55, high: 221.5, low: 217.14, close: 221.03, volume: 24018876, adjustedClose: null },
    ]);
    expect(empty.bars).toEqual([]);
  });
});
