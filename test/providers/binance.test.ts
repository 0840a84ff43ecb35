/// <reference types="vite/client" />
/**
 * binance against Binance's documented ticker/price answers, served over HTTP by the fixture server.
 * Request in: GET {base}/api/v3/ticker/price?symbol=X, or ?symbols=["A","B"] for several. Response out: price, stamped
 * with the time the answer arrived (the endpoint has no quote time), or the API error it means.
 */
import { describe, expect, it } from "vitest";
import invalidSymbol from "../../../shared/fixtures/providers/binance/error_invalid_symbol_doc_example.json?raw";
import ltcbtc from "../../../shared/fixtures/providers/binance/ticker_price_single_doc_example.json?raw";
import { binance } from "../../src/providers/binance";
import { fetchQuotes } from "../../src/providers/http";
import { requestsMatching, serve } from "../support/scenario";

/** The documented single-symbol answer {"symbol":"LTCBTC","price":"4.00000200"}, as an object. */
const ltcbtcTicker = JSON.parse(ltcbtc) as { symbol: string; price: string };

describe("binance: GET /api/v3/ticker/price", () => {
  it("quotes one symbol with ?symbol=, stamped with the time the answer arrived", async () => {
    const { tag, baseUrl } = await serve({ fixture: "binance/ticker_price_single_doc_example.json" });
    const before = Date.now();

    const batch = await fetchQuotes(binance, ["LTCBTC"], { baseUrl, timeoutMs: 1500 });

    expect((await requestsMatching(tag)).map((request) => request.url)).toEqual([
      `/${tag}/api/v3/ticker/price?symbol=LTCBTC`,
    ]);
    expect([...batch.quotes.values()]).toEqual([
      { symbol: "LTCBTC", price: 4.000002, timestamp: batch.raw?.fetchedAt, provider: "binance" },
    ]);
    expect(batch.quotes.get("LTCBTC")?.timestamp).toBeGreaterThanOrEqual(before);
    expect(batch.quotes.get("LTCBTC")?.timestamp).toBeLessThanOrEqual(Date.now());
    expect(batch.failures.size).toBe(0);
    expect(batch.raw).toMatchObject({ url: `${baseUrl}/api/v3/ticker/price?symbol=LTCBTC`, httpStatus: 200, body: ltcbtc });
  });

  it('quotes several symbols with one ?symbols=["A","B"] request, answered by an array', async () => {
    const answer = [ltcbtcTicker, { symbol: "ETHBTC", price: "0.05000000" }];
    const { tag, baseUrl } = await serve({ json: answer });

    const batch = await fetchQuotes(binance, ["LTCBTC", "ETHBTC"], { baseUrl, timeoutMs: 1500 });

    expect((await requestsMatching(tag)).map((request) => request.url)).toEqual([
      `/${tag}/api/v3/ticker/price?symbols=%5B%22LTCBTC%22%2C%22ETHBTC%22%5D`,
    ]);
    const arrived = batch.raw?.fetchedAt;
    expect(batch.quotes).toEqual(
      new Map([
        ["LTCBTC", { symbol: "LTCBTC", price: 4.000002, timestamp: arrived, provider: "binance" }],
        ["ETHBTC", { symbol: "ETHBTC", price: 0.05, timestamp: arrived, provider: "binance" }],
      ]),
    );
    expect(batch.failures.size).toBe(0);
  });

  it("reports a symbol missing from a batch answer as that symbol's provider_error failure", async () => {
    const { baseUrl } = await serve({ json: [ltcbtcTicker] });

    const batch = await fetchQuotes(binance, ["LTCBTC", "ETHBTC"], { baseUrl, timeoutMs: 1500 });

    expect([...batch.quotes.keys()]).toEqual(["LTCBTC"]);
    expect([...batch.failures.keys()]).toEqual(["ETHBTC"]);
    expect(batch.failures.get("ETHBTC")).toMatchObject({ status: 502, code: "provider_error" });
  });

  it("turns HTTP 400 -1121 'Invalid symbol.' for one symbol into 404 symbol_not_found", async () => {
    const { baseUrl } = await serve({ fixture: "binance/error_invalid_symbol_doc_example.json" });

    await expect(fetchQuotes(binance, ["TOMOETH"], { baseUrl, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 404,
      code: "symbol_not_found",
      message: expect.stringContaining("TOMOETH"),
    });
  });

  it("turns HTTP 400 -1121 for a batch into a symbol_not_found failure for every symbol of it, naming the batch", async () => {
    // Binance rejects the whole request and does not say which symbol it does not know.
    const { baseUrl } = await serve({ fixture: "binance/error_invalid_symbol_doc_example.json" });

    const batch = await fetchQuotes(binance, ["LTCBTC", "TOMOETH"], { baseUrl, timeoutMs: 1500 });

    expect(batch.quotes.size).toBe(0);
    expect([...batch.failures.keys()]).toEqual(["LTCBTC", "TOMOETH"]);
    for (const failure of batch.failures.values()) {
      expect(failure).toMatchObject({ status: 404, code: "symbol_not_found", extras: { details: { batch: ["LTCBTC", "TOMOETH"] } } });
    }
    expect(batch.raw).toMatchObject({ httpStatus: 400, body: invalidSymbol });
  });

  it("turns another {code, msg} error into 502 provider_error carrying Binance's msg", async () => {
    const { baseUrl } = await serve({ status: 400, json: { code: -1100, msg: "Illegal characters found in parameter 'symbol'." } });

    await expect(fetchQuotes(binance, ["BTCUSDT"], { baseUrl, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 502,
      code: "provider_error",
      message: expect.stringContaining("Illegal characters"),
    });
  });

  it("refuses a symbol outside Binance's legal range (^[A-Z0-9-_.]{1,20}$) with 422 and asks nothing", async () => {
    const { tag, baseUrl } = await serve({ status: 400, json: { code: -1100, msg: "Illegal characters found in parameter 'symbol'." } });

    await expect(fetchQuotes(binance, ["BTC/USDT"], { baseUrl, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 422,
      code: "invalid_request",
      extras: { provider: "binance" },
    });
    expect(await requestsMatching(tag)).toEqual([]);
  });

  it.each([
    ["429 (too many requests)", 429, "30", 30],
    ["418 (IP banned after ignoring 429s)", 418, "120", 120],
  ])("turns HTTP %s into 503 provider_rate_limited with Retry-After", async (_, status, retryAfter, seconds) => {
    const { baseUrl } = await serve({ status, body: "", headers: { "retry-after": retryAfter } });

    await expect(fetchQuotes(binance, ["LTCBTC"], { baseUrl, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 503,
      code: "provider_rate_limited",
      extras: { retry_after: seconds },
    });
  });

  it.each([
    ["HTTP 500", { status: 500, body: "Internal Server Error" }],
    ["HTTP 403 (WAF) with an HTML page", { status: 403, body: "<html>403 Forbidden</html>" }],
    ["a 200 that is not JSON", { status: 200, body: "<html>binance</html>" }],
    ["a price that is not a decimal string", { status: 200, json: { ...ltcbtcTicker, price: 4.000002 } }],
  ])("turns %s into 502 provider_error", async (_, response) => {
    const { baseUrl } = await serve(response);

    await expect(fetchQuotes(binance, ["LTCBTC"], { baseUrl, timeoutMs: 1500 })).rejects.toMatchObject({
      status: 502,
      code: "provider_error",
    });
  });

  it("turns no answer within timeoutMs into 502 provider_timeout", async () => {
    const { baseUrl } = await serve({ hang: true });

    await expect(fetchQuotes(binance, ["LTCBTC"], { baseUrl, timeoutMs: 300 })).rejects.toMatchObject({
      status: 502,
      code: "provider_timeout",
    });
  });

  it("asks for at most batchSize (100) symbols per request", () => {
    const config = { baseUrl: "http://binance.invalid", timeoutMs: 1500 };
    const symbols = Array.from({ length: 101 }, (_, i) => `S${i}USDT`);

    expect(() => binance.query(symbols.slice(0, 100), config, Date.now())).not.toThrow();
    expect(() => binance.query(symbols, config, Date.now())).toThrow(/1\.\.100/);
  });
});
