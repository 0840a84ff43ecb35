/**
 * synthetic: no network. Request in: synthetic://local/quote?symbols=A,B. Response out: a JSON body made by
 * answerOffline, parsed by transform like any provider's; the price is a pure function of (symbol, whole second).
 */
import { describe, expect, it } from "vitest";
import { fetchQuotes } from "../../src/providers/http";
import type { ProviderResponse } from "../../src/providers/provider";
import { synthetic, syntheticPrice } from "../../src/providers/synthetic";

const config = { baseUrl: "synthetic://local", timeoutMs: 1500 };
/** 2025-02-18T21:00:00Z, on a whole second. */
const SECOND = Date.parse("2025-02-18T21:00:00Z");

/** The synthetic provider's full answer to `symbols` at `now`, through its own query -> answerOffline -> transform. */
function quoteAt(symbols: string[], now: number) {
  const request = synthetic.query(symbols, config, now);
  const response = synthetic.answerOffline?.(request, now) as ProviderResponse;
  return { request, response, parts: synthetic.transform(response, symbols) };
}

describe("synthetic: offline, deterministic prices", () => {
  it("answers a batch through fetchQuotes with a stored, traceable JSON body", async () => {
    const batch = await fetchQuotes(synthetic, ["AAPL", "MSFT"], config);

    const fetchedAt = batch.raw?.fetchedAt ?? Number.NaN;
    const second = Math.floor(fetchedAt / 1000) * 1000;
    expect(batch.raw).toMatchObject({ provider: "synthetic", url: "synthetic://local/quote?symbols=AAPL,MSFT", httpStatus: 200 });
    expect(batch.quotes).toEqual(
      new Map([
        ["AAPL", { symbol: "AAPL", price: syntheticPrice("AAPL", second / 1000), timestamp: second, provider: "synthetic" }],
        ["MSFT", { symbol: "MSFT", price: syntheticPrice("MSFT", second / 1000), timestamp: second, provider: "synthetic" }],
      ]),
    );
    expect(JSON.parse(batch.raw?.body ?? "")).toEqual({
      timestamp: second,
      quotes: [
        { symbol: "AAPL", price: batch.quotes.get("AAPL")?.price },
        { symbol: "MSFT", price: batch.quotes.get("MSFT")?.price },
      ],
    });
    expect(batch.failures.size).toBe(0);
  });

  it("gives the same price and timestamp throughout one second, and a new timestamp the next second", () => {
    const start = quoteAt(["AAPL"], SECOND).parts.quotes.get("AAPL");
    const end = quoteAt(["AAPL"], SECOND + 999).parts.quotes.get("AAPL");
    const next = quoteAt(["AAPL"], SECOND + 1000).parts.quotes.get("AAPL");

    expect(start).toEqual({ symbol: "AAPL", price: syntheticPrice("AAPL", SECOND / 1000), timestamp: SECOND, provider: "synthetic" });
    expect(end).toEqual(start);
    expect(next?.timestamp).toBe(SECOND + 1000);
  });

  it("is deterministic across calls: the same request at the same moment gives the same body, byte for byte", () => {
    expect(quoteAt(["AAPL", "BTCUSDT"], SECOND).response.body).toBe(quoteAt(["AAPL", "BTCUSDT"], SECOND).response.body);
  });

  it("gives different symbols different prices", () => {
    const symbols = ["AAPL", "MSFT", "TSLA", "BTCUSDT", "^GSPC", "EURUSD=X", "BRK.B", "BTC-USD"];

    const prices = symbols.map((symbol) => syntheticPrice(symbol, SECOND / 1000));

    expect(new Set(prices).size).toBe(symbols.length);
  });

  it("carries symbols with ^ = . - through the URL unchanged", () => {
    const symbols = ["^GSPC", "EURUSD=X", "BRK.B", "BTC-USD"];

    const { request, parts } = quoteAt(symbols, SECOND);

    expect(request.url).toBe("synthetic://local/quote?symbols=%5EGSPC,EURUSD%3DX,BRK.B,BTC-USD");
    expect([...parts.quotes.keys()]).toEqual(symbols);
  });

  it("walks: positive, between ~10 and ~1000, moving a little each second and more over a day", () => {
    const start = SECOND / 1000;
    const day = Array.from({ length: 86_400 }, (_, i) => syntheticPrice("AAPL", start + i));
    const steps = day.slice(1).map((price, i) => Math.abs(price / (day[i] as number) - 1));

    expect(Math.min(...day)).toBeGreaterThan(5);
    expect(Math.max(...day)).toBeLessThan(2000);
    expect(Math.max(...steps)).toBeLessThan(0.001); // no jumps from one second to the next
    expect(Math.max(...day) / Math.min(...day)).toBeGreaterThan(1.005); // but it does go somewhere
  });

  it("stays positive for many symbols over years", () => {
    const symbols = Array.from({ length: 200 }, (_, i) => `SYM${i}`);
    const seconds = Array.from({ length: 200 }, (_, i) => 1_000_000_000 + i * 7_919_113);

    const prices = symbols.flatMap((symbol) => seconds.map((second) => syntheticPrice(symbol, second)));

    expect(Math.min(...prices)).toBeGreaterThan(0);
  });

  it("reports a symbol missing from the answer as a provider_error failure", () => {
    const { response } = quoteAt(["AAPL"], SECOND);

    const parts = synthetic.transform(response, ["AAPL", "MSFT"]);

    expect([...parts.quotes.keys()]).toEqual(["AAPL"]);
    expect(parts.failures.get("MSFT")).toMatchObject({ status: 502, code: "provider_error" });
  });

  it("turns a body that is not its answer into provider_error", () => {
    const response = { status: 200, body: "{}", headers: new Headers(), receivedAt: SECOND };

    expect(() => synthetic.transform(response, ["AAPL"])).toThrow(expect.objectContaining({ code: "provider_error" }));
  });
});
