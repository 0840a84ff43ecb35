/// <reference types="vite/client" />
/**
 * What every provider answer goes through (src/providers/http.ts), whatever the provider: a cap on the bytes
 * read, a bound on the bytes kept, failed answers kept for tracing, and quote times that cannot be right refused.
 * Request in: the recorded bodies (or them padded / re-dated), served over HTTP. Out: quotes, errors, raw answers.
 */
import { describe, expect, it } from "vitest";
import aaplChart from "../../../shared/fixtures/providers/yahoo/chart_1d_aapl_range1d_2025-02-18.json?raw";
import aaplQuote from "../../../shared/fixtures/providers/finnhub/quote_aapl_2020-08-18_legacy_no_d_dp.json?raw";
import unknownSymbol404 from "../../../shared/fixtures/providers/yahoo/chart_error_unknown_symbol_404.json?raw";
import { finnhub } from "../../src/providers/finnhub";
import { fetchQuotes, MAX_BODY_BYTES, MAX_STORED_BODY_BYTES, ProviderAnswerError } from "../../src/providers/http";
import { yahoo } from "../../src/providers/yahoo";
import { serve } from "../support/scenario";

const TOKEN = "answers-test-token-5e1d";
const finnhubBody = JSON.parse(aaplQuote) as { t: number };

/** What a rejected promise rejected with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("provider answers: sizes", () => {
  it("refuses a body over the read cap with 502 provider_error, keeping only a bounded prefix of it", async () => {
    // Valid JSON (the recorded chart followed by whitespace), so only its size can be the reason.
    const { baseUrl } = await serve({ body: aaplChart + " ".repeat(MAX_BODY_BYTES) });

    const error = await rejection(fetchQuotes(yahoo, ["AAPL"], { baseUrl, timeoutMs: 5000 }));

    expect(error).toBeInstanceOf(ProviderAnswerError);
    expect(error).toMatchObject({ status: 502, code: "provider_error", message: expect.stringContaining(`larger than ${MAX_BODY_BYTES} bytes`) });
    const { raw } = error as ProviderAnswerError;
    expect(raw).toMatchObject({ httpStatus: 200, bodyTruncated: true, bodyBytes: MAX_BODY_BYTES });
    expect(raw.body).toBe(aaplChart + " ".repeat(MAX_STORED_BODY_BYTES - aaplChart.length));
  });

  it("quotes from a body under the cap but over the stored bound, and keeps only the bound of it, saying so", async () => {
    const body = aaplChart + " ".repeat(200_000);
    const { baseUrl } = await serve({ body });

    const batch = await fetchQuotes(yahoo, ["AAPL"], { baseUrl, timeoutMs: 5000 });

    expect(batch.quotes.get("AAPL")).toMatchObject({ price: 244.47 });
    expect(batch.raw).toMatchObject({ bodyTruncated: true, bodyBytes: body.length });
    expect(new TextEncoder().encode(batch.raw!.body).byteLength).toBe(MAX_STORED_BODY_BYTES);
  });

  it("keeps a body within the bound whole, saying so", async () => {
    const { baseUrl } = await serve({ fixture: "yahoo/chart_1d_aapl_range1d_2025-02-18.json" });

    const batch = await fetchQuotes(yahoo, ["AAPL"], { baseUrl, timeoutMs: 1500 });

    expect(batch.raw).toMatchObject({ body: aaplChart, bodyBytes: new TextEncoder().encode(aaplChart).byteLength, bodyTruncated: false });
  });

  it("cuts a stored prefix between characters, never inside one", async () => {
    // "é" is two UTF-8 bytes: at an odd offset the bound falls inside one of them.
    const body = `${aaplChart.slice(0, -1)},"pad":"${"é".repeat(MAX_STORED_BODY_BYTES)}"}`;
    const { baseUrl } = await serve({ body });

    const batch = await fetchQuotes(yahoo, ["AAPL"], { baseUrl, timeoutMs: 5000 });

    expect(batch.raw!.body).not.toContain("\uFFFD");
    expect(new TextEncoder().encode(batch.raw!.body).byteLength).toBeGreaterThan(MAX_STORED_BODY_BYTES - 2);
  });
});

describe("provider answers: failures keep their answer", () => {
  it("carries Yahoo's 404 answer (status, body, redacted URL) with its symbol_not_found", async () => {
    const { baseUrl } = await serve({ fixture: "yahoo/chart_error_unknown_symbol_404.json" });

    const error = await rejection(fetchQuotes(yahoo, ["INVALID.BO"], { baseUrl, timeoutMs: 1500 }));

    expect(error).toBeInstanceOf(ProviderAnswerError);
    expect(error).toMatchObject({ code: "symbol_not_found", raw: { provider: "yfinance", httpStatus: 404, body: unknownSymbol404, bodyTruncated: false } });
  });

  it("carries an HTTP 500 answer, with the key cut out of the stored body and URL", async () => {
    const { baseUrl } = await serve({ status: 500, body: `upstream failed for token=${TOKEN}` });

    const error = await rejection(fetchQuotes(finnhub, ["AAPL"], { baseUrl, apiKey: TOKEN, timeoutMs: 1500 }));

    expect(error).toMatchObject({ code: "provider_error", raw: { httpStatus: 500, body: "upstream failed for token=REDACTED" } });
    expect((error as ProviderAnswerError).raw.url).not.toContain(TOKEN);
  });

  it("has no answer to carry when the provider never answered", async () => {
    const { baseUrl } = await serve({ hang: true });

    const error = await rejection(fetchQuotes(yahoo, ["AAPL"], { baseUrl, timeoutMs: 300 }));

    expect(error).toMatchObject({ code: "provider_timeout" });
    expect(error).not.toBeInstanceOf(ProviderAnswerError);
  });
});

describe("provider answers: quote times", () => {
  it("refuses a Finnhub quote whose t is in milliseconds (year 52601) as that symbol's provider_error", async () => {
    const { baseUrl } = await serve({ json: { ...finnhubBody, t: finnhubBody.t * 1000 } });

    const batch = await fetchQuotes(finnhub, ["AAPL"], { baseUrl, apiKey: TOKEN, timeoutMs: 1500 });

    expect(batch.quotes.size).toBe(0);
    expect(batch.failures.get("AAPL")).toMatchObject({ status: 502, code: "provider_error", message: expect.stringContaining("in the future") });
  });

  it("refuses a quote dated before 1971 (seconds read as milliseconds the other way)", async () => {
    const { baseUrl } = await serve({ json: { ...finnhubBody, t: Math.floor(finnhubBody.t / 1000) } });

    const batch = await fetchQuotes(finnhub, ["AAPL"], { baseUrl, apiKey: TOKEN, timeoutMs: 1500 });

    expect(batch.failures.get("AAPL")).toMatchObject({ code: "provider_error", message: expect.stringContaining("before 1971") });
  });

  it("accepts a quote a little ahead of our clock (within the skew)", async () => {
    const { baseUrl } = await serve({ json: { ...finnhubBody, t: Math.floor(Date.now() / 1000) + 60 } });

    const batch = await fetchQuotes(finnhub, ["AAPL"], { baseUrl, apiKey: TOKEN, timeoutMs: 1500 });

    expect(batch.quotes.get("AAPL")).toMatchObject({ price: 462.25 });
  });
});
