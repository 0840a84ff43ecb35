/// <reference types="vite/client" />
/**
 * Provider answers that used to turn into wrong state or a 500, through the HTTP API: a quote in the wrong time
 * unit, failed and oversized answers (kept as bounded raw rows), and a store that refuses the write.
 * Request sequence in; status, stored rows and delivered events out.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import aaplQuote from "../../../shared/fixtures/providers/finnhub/quote_aapl_2020-08-18_legacy_no_d_dp.json?raw";
import aaplChart from "../../../shared/fixtures/providers/yahoo/chart_1d_aapl_range1d_2025-02-18.json?raw";
import unknownSymbol404 from "../../../shared/fixtures/providers/yahoo/chart_error_unknown_symbol_404.json?raw";
import { MAX_STORED_BODY_BYTES } from "../../src/providers/http";
import { call, countRows, uniqueSymbol } from "../support/api";
import { waitForEvents } from "../support/events";
import { whenRequested } from "../support/scenario";

const finnhubBody = JSON.parse(aaplQuote) as { t: number };
const SANE_TIME = new Date(finnhubBody.t * 1000).toISOString();

interface RawRow {
  http_status: number;
  body: string;
  body_bytes: number | null;
  body_truncated: number;
}

async function rawRows(symbol: string): Promise<RawRow[]> {
  const rows = await env.DB.prepare("SELECT http_status, body, body_bytes, body_truncated FROM raw_responses WHERE symbols = ? ORDER BY fetched_at")
    .bind(symbol)
    .all<RawRow>();
  return rows.results;
}

describe("quotes dated in the wrong unit", () => {
  it("refuses a Finnhub quote in milliseconds with 502, then serves, stores and announces the next sane one", async () => {
    const symbol = uniqueSymbol("MS");
    await whenRequested({
      match: `quote?symbol=${symbol}`,
      responses: [{ json: { ...finnhubBody, t: finnhubBody.t * 1000 } }, { fixture: "finnhub/quote_aapl_2020-08-18_legacy_no_d_dp.json" }],
    });

    const refused = await call(`/prices/latest?symbol=${symbol}&provider=finnhub`);
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({ error: { code: "provider_error", message: expect.stringContaining("in the future") } });
    expect(await countRows("price_points", symbol, "finnhub")).toBe(0);

    const served = await call(`/prices/latest?symbol=${symbol}&provider=finnhub&max_age=0`);
    expect(served.status).toBe(200);
    expect(served.body).toMatchObject({ symbol, price: 462.25, timestamp: SANE_TIME });
    const again = await call(`/prices/latest?symbol=${symbol}&provider=finnhub`);
    expect(again.body).toMatchObject({ timestamp: SANE_TIME });
    const [event] = await waitForEvents(symbol, 1);
    expect(event!.value).toMatchObject({ symbol, timestamp: SANE_TIME });
  });
});

describe("raw answers", () => {
  it("keeps a failed answer (Yahoo's 404) with its status and body", async () => {
    const symbol = uniqueSymbol("NF");
    await whenRequested({ match: `/chart/${symbol}`, responses: [{ fixture: "yahoo/chart_error_unknown_symbol_404.json" }] });

    const answer = await call(`/prices/latest?symbol=${symbol}&provider=yfinance`);

    expect(answer.status).toBe(404);
    expect(await rawRows(symbol)).toEqual([
      { http_status: 404, body: unknownSymbol404, body_bytes: new TextEncoder().encode(unknownSymbol404).byteLength, body_truncated: 0 },
    ]);
  });

  it("answers an oversized body with 502 provider_error and keeps only a bounded prefix of it, marked truncated", async () => {
    const symbol = uniqueSymbol("BIG");
    await whenRequested({ match: `/chart/${symbol}`, responses: [{ body: aaplChart + " ".repeat(3 * 1024 * 1024) }] });

    const answer = await call(`/prices/latest?symbol=${symbol}&provider=yfinance`);

    expect(answer.status).toBe(502);
    expect(answer.body).toMatchObject({ error: { code: "provider_error" } });
    const [row, ...others] = await rawRows(symbol);
    expect(others).toEqual([]);
    expect(row).toMatchObject({ http_status: 200, body_truncated: 1 });
    expect(row!.body.length).toBe(MAX_STORED_BODY_BYTES);
    expect(await countRows("price_points", symbol, "yfinance")).toBe(0);
  });

  it("stores the point of a large answer with a bounded raw row", async () => {
    const symbol = uniqueSymbol("LRG");
    const body = aaplChart + " ".repeat(300_000);
    await whenRequested({ match: `/chart/${symbol}`, responses: [{ body }] });

    const answer = await call(`/prices/latest?symbol=${symbol}&provider=yfinance`);

    expect(answer.status).toBe(200);
    const [row] = await rawRows(symbol);
    expect(row).toMatchObject({ http_status: 200, body_bytes: body.length, body_truncated: 1 });
    expect(row!.body.length).toBe(MAX_STORED_BODY_BYTES);
  });
});

describe("a store that refuses the write", () => {
  it("answers 503 service_unavailable with Retry-After, never a 500", async () => {
    const symbol = uniqueSymbol("DF");
    // The database refuses this symbol's points, as D1 does for a row over its size limit or when overloaded.
    await env.DB.exec(
      `CREATE TRIGGER refuse_${symbol} BEFORE INSERT ON price_points WHEN NEW.symbol = '${symbol}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;`,
    );
    try {
      const answer = await call(`/prices/latest?symbol=${symbol}`);

      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ error: { code: "service_unavailable", message: expect.any(String) } });
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      await env.DB.exec(`DROP TRIGGER refuse_${symbol};`);
    }
  });
});
