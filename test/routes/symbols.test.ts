/**
 * Every kind of symbol (API.md's grammar, wave 2): indices, FX, crypto, exchange-prefixed symbols and share
 * classes pass; each provider refuses, with 422 naming itself and what it accepts, the symbols it can never
 * answer, before any request is sent (latest, poll, bars, jobs, backfills, streams, and inside a batch).
 */
import { describe, expect, it } from "vitest";
import { binance } from "../../src/providers/binance";
import { fetchQuotes } from "../../src/providers/http";
import { call, postJson, uniqueSymbol } from "../support/api";
import { requestsMatching, serve, whenRequested } from "../support/scenario";

describe("the symbol grammar", () => {
  it.each(["^GSPC", "^DJI", "EURUSD=X", "BTC-USD", "BTCUSDT", "BINANCE:BTCUSDT", "OANDA:EUR_USD", "BRK.B", "BRK-B", "FXCM:EUR/USD", "A", "ABCDEFGHIJKLMNOPQRSTUVWX"])(
    "%s is a valid symbol (synthetic answers any)",
    async (symbol) => {
      const answer = await call(`/prices/latest?symbol=${encodeURIComponent(symbol.toLowerCase())}&provider=synthetic`);

      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ symbol, provider: "synthetic", price: expect.any(Number) });
    },
  );

  it.each(["", "-AAPL", ".B", "=X", "AAPL USD", "AAPL,MSFT", "ABCDEFGHIJKLMNOPQRSTUVWXY", "BRK$B", "ÄPPL"])("%j is refused with 422", async (symbol) => {
    const answer = await call(`/prices/latest?symbol=${encodeURIComponent(symbol)}&provider=synthetic`);

    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ error: { code: "invalid_request" } });
  });

  it("asks Yahoo for ^TNX with the caret URL-encoded in the path, and quotes the recorded index", async () => {
    await whenRequested({ match: "/yahoo/v8/finance/chart/%5ETNX?", responses: [{ fixture: "yahoo/chart_5m_tnx_range1d.json" }] });

    const answer = await call(`/prices/latest?symbol=%5Etnx&provider=yfinance&max_age=0`);

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ symbol: "^TNX", price: 4.275, timestamp: "2026-02-02T19:59:52.000Z", exchange: "CGI", previous_close: 4.227 });
    expect((await requestsMatching("/yahoo/v8/finance/chart/%5ETNX?")).length).toBeGreaterThan(0);
  });
});

describe("per-provider refusal, before any request", () => {
  it.each([
    ["binance", "^GSPC"],
    ["binance", "EURUSD=X"],
    ["binance", "OANDA:EUR_USD"],
    ["alpha_vantage", "^GSPC"],
    ["alpha_vantage", "BINANCE:BTCUSDT"],
    ["yfinance", "BINANCE:BTCUSDT"],
    ["finnhub", "EURUSD=X"],
  ])("%s refuses %s on latest, poll and bars with 422 naming itself and what it accepts", async (provider, symbol) => {
    const latest = await call(`/prices/latest?symbol=${encodeURIComponent(symbol)}&provider=${provider}`);
    const poll = await call(`/poll/${encodeURIComponent(symbol)}?provider=${provider}`, { method: "POST" });
    const bars = await call(`/prices/bars?symbol=${encodeURIComponent(symbol)}&provider=${provider}&interval=1d`);

    for (const answer of [latest, poll, bars]) {
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({
        error: {
          code: "invalid_request",
          provider,
          message: expect.stringMatching(new RegExp(`^${provider} accepts symbols of .+; .+ is not one$`)),
          details: { refused: [symbol], accepts: expect.any(String) },
        },
      });
    }
    expect(await requestsMatching(encodeURIComponent(symbol))).toEqual([]);
  });

  it("refuses a job whose symbols include one its provider cannot answer, and creates nothing", async () => {
    const before = await call<{ jobs: unknown[] }>("/prices/poll");

    const answer = await postJson("/prices/poll", { symbols: ["BTCUSDT", "eurusd=x"], interval: 5, provider: "binance" });

    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ error: { code: "invalid_request", provider: "binance", details: { refused: ["EURUSD=X"] } } });
    expect((await call<{ jobs: unknown[] }>("/prices/poll")).body.jobs.length).toBe(before.body.jobs.length);
  });

  it("refuses a backfill whose symbols include one its provider cannot answer, and creates and asks nothing", async () => {
    const accepted = uniqueSymbol("K");
    const range = { interval: "1d", from: "2024-01-01T00:00:00Z", to: "2024-02-01T00:00:00Z" };

    const answer = await postJson("/prices/backfill", { symbols: [accepted, "eurusd=x"], provider: "binance", ...range });

    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      error: { code: "invalid_request", provider: "binance", message: expect.stringMatching(/^binance accepts symbols of .+; EURUSD=X is not one$/), details: { refused: ["EURUSD=X"] } },
    });
    const listed = await call<{ backfills: { config: { symbols: string[] } }[] }>("/prices/backfill?limit=100");
    expect(listed.body.backfills.filter((backfill) => backfill.config.symbols.includes(accepted))).toEqual([]);
    expect(await requestsMatching(accepted)).toEqual([]);
  });

  it("accepts a job of index, FX and prefixed symbols where the provider takes them", async () => {
    const answer = await postJson("/prices/poll", { symbols: ["^GSPC", "EURUSD=X", "BINANCE:BTCUSDT", "BRK.B"], interval: 60, provider: "synthetic" });

    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ config: { symbols: ["^GSPC", "EURUSD=X", "BINANCE:BTCUSDT", "BRK.B"] } });
    await call(`/prices/poll/${String(answer.body.job_id)}`, { method: "DELETE" });
  });

  it("refuses a stream of a symbol its provider cannot answer", async () => {
    const answer = await call(`/prices/stream?symbols=BTCUSDT,%5EGSPC&provider=binance`);

    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ error: { code: "invalid_request", provider: "binance", details: { refused: ["^GSPC"] } } });
  });

  it("in a batch, asks only for the symbols the provider accepts and refuses the others beside their quotes", async () => {
    const { tag, baseUrl } = await serve({ json: { symbol: "BTCUSDT", price: "4.00000200" } });

    const batch = await fetchQuotes(binance, ["BTCUSDT", "^GSPC"], { baseUrl, timeoutMs: 1500 });

    expect((await requestsMatching(tag)).map((request) => request.url)).toEqual([`/${tag}/api/v3/ticker/price?symbol=BTCUSDT`]);
    expect(batch.quotes.get("BTCUSDT")).toMatchObject({ price: 4.000002 });
    expect(batch.failures.get("^GSPC")).toMatchObject({ status: 422, code: "invalid_request", extras: { provider: "binance" } });
  });
});
