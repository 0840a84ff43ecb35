/// <reference types="vite/client" />
/**
 * Full quotes through the HTTP API (API.md "Full quotes"): what each provider's recorded answer says beyond the
 * price is in `latest`, in the `price.updated` event (which streams send as is), stored with the point and
 * answered by history, null where the provider said nothing; the event's version stays 1. How each provider's fields are read is pinned in test/providers/.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import binanceTicker from "../../../shared/fixtures/providers/binance/ticker_price_single_doc_example.json?raw";
import { call, NO_QUOTE_DETAILS, uniqueSymbol, YAHOO_AAPL_RANGE1D_DETAILS } from "../support/api";
import { waitForEvents } from "../support/events";
import { whenRequested } from "../support/scenario";


describe("full quotes in latest and in events", () => {
  it.each([
    [
      "yfinance",
      "/yahoo/v8/finance/chart/",
      "yahoo/chart_1d_aapl_range1d_2025-02-18.json",
      { price: 244.47, ...YAHOO_AAPL_RANGE1D_DETAILS },
    ],
    [
      "alpha_vantage",
      "/alphavantage/query?function=GLOBAL_QUOTE&symbol=",
      "alphavantage/global_quote_msft_2018-10-05.json",
      { ...NO_QUOTE_DETAILS, price: 112.13, open: 112.63, high: 113.17, low: 110.64, previous_close: 112.79, change: -0.66, change_percent: -0.5852, volume: 29062853 },
    ],
    [
      "finnhub",
      "/finnhub/api/v1/quote?symbol=",
      "finnhub/quote_aapl_2020-08-18_legacy_no_d_dp.json",
      { ...NO_QUOTE_DETAILS, price: 462.25, open: 457.41, high: 464, low: 456.03, previous_close: 458.43, change: 3.82, change_percent: 0.8332787994 },
    ],
    ["binance", "/binance/api/v3/ticker/price?symbol=", "binance/ticker_price_single_doc_example.json", { ...NO_QUOTE_DETAILS, price: 4.000002 }],
  ])("%s: latest and its event carry the recorded answer's details", async (provider, path, fixture, expected) => {
    const symbol = uniqueSymbol("FQ");
    // The Binance recording quotes LTCBTC: it is answered in its exact shape, for this test's symbol.
    const response = provider === "binance" ? { json: { ...(JSON.parse(binanceTicker) as object), symbol } } : { fixture };
    await whenRequested({ match: `${path}${symbol}`, responses: [response] });

    const answer = await call(`/prices/latest?symbol=${symbol}&provider=${provider}`);

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ symbol, provider, timestamp: expect.any(String), ...expected });
    const [event] = await waitForEvents(symbol, 1);
    expect(event!.value).toMatchObject({ type: "price.updated", version: 1, symbol, provider, ...expected });
    // Stored with the point, and answered by history (D1 may take a moment to have it).
    const { price, ...details } = expected;
    await expect
      .poll(async () => (await call(`/prices/history?symbol=${symbol}&provider=${provider}`)).body, { timeout: 15_000 })
      .toEqual({ symbol, provider, points: [{ price, timestamp: answer.body.timestamp, ...NO_QUOTE_DETAILS, ...details }], next_cursor: null });
    const row = await env.DB.prepare("SELECT currency, previous_close, change_percent, market_state FROM price_points WHERE symbol = ?").bind(symbol).first();
    expect(row).toEqual({
      currency: expected.currency ?? null,
      previous_close: expected.previous_close ?? null,
      change_percent: expected.change_percent ?? null,
      market_state: expected.market_state ?? null,
    });
  });
});
