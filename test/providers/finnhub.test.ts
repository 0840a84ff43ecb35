/// <reference types="vite/client" />
/**
 * finnhub against Finnhub's recorded /quote answers, served over HTTP by the fixture server.
 * Request in: GET {base}/quote?symbol=…&token=…. Response out: c at t (seconds -> ms), or the API error it means.
 */
import { describe, expect, it } from "vitest";
import aapl from "../../../shared/fixtures/providers/finnhub/quote_aapl_2020-08-18_legacy_no_d_dp.json?raw";
import { finnhub } from "../../src/providers/finnhub";
import { fetchQuotes } from "../../src/providers/http";
import { requestsMatching, serve } from "../support/scenario";

const TOKEN = "finnhub-test-token-0b7c";

describe("finnhub: GET /quote?symbol={symbol}&token={key}", () => {
  it("quotes AAPL at c, stamped t, from a 2020 body without d/dp, token redacted", async () => {
    const { tag, baseUrl } = await serve({ fixture: "finnhub/quote_aapl_2020-08-18_legacy_no_d_dp.json" });

    const batch = await fetchQuotes(finnhub, ["AAPL"], { baseUrl, apiKey: TOKEN, timeoutMs: 1500 });

    expect((await requestsMatching(tag)).map((request) => request.url)).toEqual([
      `/${tag}/quote?symbol=AAPL&token=${TOKEN}`,
    ]);
    // {"c":462.25,"h":464,"l":456.03,"o":457.41,"pc":458.43,"t":1597783907}: 2020-08-18T20:51:47Z. No d/dp in
    // a 2020 body: change is c - pc.
    expect([...batch.quotes.values()]).toEqual([
      {
        symbol: "AAPL",
        price: 462.25,
        timestamp: Date.parse("2020-08-18T20:51:47Z"),
        provider: "finnhub",
        open: 457.41,
        high: 464,
        low: 456.03,
        previousClose: 458.43,
        change: 3.82,
        changePercent: 0.8332787994,
      },
    ]);
    expect(batch.failures.size).toBe(0);
    expect(batch.raw).toMatchObject({
      url: `${baseUrl}/quote?symbol=AAPL&token=REDACTED`,
      httpStatus: 200,
      body: aapl,
    });
    expect(batch.raw?.url).not.toContain(TOKEN);
  });

  it.each([
    [
      "finnhub/quote_rubi_2020-03-27_legacy_no_d_dp.json",
      "RUBI",
      6.06,
      1585296696,
      { open: 5.74, high: 6.14, low: 5.62, previousClose: 5.75, change: 0.31, changePercent: 5.3913043478 },
    ],
    // h/l/o/pc are all 0 here (a Finnhub bug of the time): c and t are still the quote, the zeros are "not known"
    // and no change is computed from a previous close of 0.
    [
      "finnhub/quote_tsla_2020-03-27_zero_hlo_pc.json",
      "TSLA",
      517.96,
      1585296137,
      { open: null, high: null, low: null, previousClose: null, change: null, changePercent: null },
    ],
  ])("%s: quotes %s at c, stamped t", async (fixture, symbol, price, seconds, details) => {
    const { baseUrl } = await serve({ fixture });

    const batch = await fetchQuotes(finnhub, [symbol], { baseUrl, apiKey: TOKEN, timeoutMs: 1500 });

    expect(batch.quotes.get(symbol)).toEqual({ symbol, price, timestamp: seconds * 1000, provider: "finnhub", ...details });
  });

  it("takes change and change percent from d / dp where a body has them (after 2021), not from c - pc", async () => {
    // The recorded 2020 body with d/dp added in the current format (no live capture of it exists, see the fixtures
    // README): d/dp are what Finnhub says, even where they differ from c - pc in the last digits.
    const { baseUrl } = await serve({ json: { ...(JSON.parse(aapl) as object), d: 3.8201, dp: 0.8333 } });

    const batch = await fetchQuotes(finnhub, ["AAPL"], { baseUrl, apiKey: TOKEN, timeoutMs: 1500 });

    expect(batch.quotes.get("AAPL")).toMatchObject({ previousClose: 458.43, change: 3.8201, changePercent: 0.8333 });
  });

  it("turns the all-zero HTTP 200 body (an unknown symbol) into 404 symbol_not_found", async () => {
    const { baseUrl } = await serve({ fixture: "finnhub/quote_unknown_symbol_all_zero_2021.json" });

    await expect(fetchQuotes(finnhub, ["SBILIFE"], { baseUrl, apiKey: TOKEN, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 404,
      code: "symbol_not_found",
      message: expect.stringContaining("SBILIFE"),
    });
  });

  it("turns a price of 0 with a quote time into 502 provider_error, not a price", async () => {
    const { baseUrl } = await serve({ json: { ...(JSON.parse(aapl) as object), c: 0 } });

    await expect(fetchQuotes(finnhub, ["AAPL"], { baseUrl, apiKey: TOKEN, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 502,
      code: "provider_error",
    });
  });

  it.each([
    // Recorded as 403; the same body with 401 (a rejected token) is a refusal too.
    ["finnhub/error_no_access_quote_non_us_symbol.json", 403, "You don't have access to this resource."],
    ["finnhub/error_no_access_quote_non_us_symbol.json", 401, "You don't have access to this resource."],
    // Status not recorded: both plausible ones are served.
    ["finnhub/error_symbol_not_supported.json", 403, "Symbol not supported."],
    ["finnhub/error_symbol_not_supported.json", 200, "Symbol not supported."],
  ])('turns %s with HTTP %i into 502 provider_error carrying "%s", never the token', async (fixture, status, text) => {
    const { baseUrl } = await serve({ fixture, status });

    const failure = fetchQuotes(finnhub, ["SBIN.NS"], { baseUrl, apiKey: TOKEN, timeoutMs: 1500 });

    await expect(failure).rejects.toMatchObject({ status: 502, code: "provider_error", message: expect.stringContaining(text) });
    await expect(failure).rejects.toMatchObject({ message: expect.not.stringContaining(TOKEN) });
  });

  it("turns HTTP 429 into 503 provider_rate_limited with retry_after", async () => {
    const { baseUrl } = await serve({ status: 429, body: "" });

    await expect(fetchQuotes(finnhub, ["AAPL"], { baseUrl, apiKey: TOKEN, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 503,
      code: "provider_rate_limited",
      extras: { retry_after: 60 },
    });
  });

  it.each([
    ["HTTP 500", { status: 500, body: "Internal Server Error" }],
    ["HTTP 502 with an HTML page", { status: 502, body: "<html>Bad Gateway</html>" }],
    ["a 200 that is not JSON", { status: 200, body: "<html>finnhub</html>" }],
    ["a 200 that is JSON but not a quote", { status: 200, json: [] }],
  ])("turns %s into 502 provider_error", async (_, response) => {
    const { baseUrl } = await serve(response);

    await expect(fetchQuotes(finnhub, ["AAPL"], { baseUrl, apiKey: TOKEN, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 502,
      code: "provider_error",
    });
  });

  it("turns no answer within timeoutMs into 502 provider_timeout", async () => {
    const { baseUrl } = await serve({ hang: true });

    await expect(fetchQuotes(finnhub, ["AAPL"], { baseUrl, apiKey: TOKEN, timeoutMs: 300 })).rejects.toMatchObject({
      status: 502,
      code: "provider_timeout",
    });
  });

  it("without a token answers 503 provider_not_configured and asks nothing", async () => {
    const { tag, baseUrl } = await serve({ fixture: "finnhub/quote_aapl_2020-08-18_legacy_no_d_dp.json" });

    await expect(fetchQuotes(finnhub, ["AAPL"], { baseUrl, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 503,
      code: "provider_not_configured",
    });
    expect(await requestsMatching(tag)).toEqual([]);
  });
});
