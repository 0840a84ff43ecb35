import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, countRows, NO_QUOTE_DETAILS, uniqueSymbol, YAHOO_AAPL_RANGE1D_DETAILS } from "../support/api";
import { deliveredEvents, waitForEvents } from "../support/events";
import { requestsMatching, whenRequested } from "../support/scenario";

const YAHOO_AAPL = "yahoo/chart_1d_aapl_range1d_2025-02-18.json";
// meta.regularMarketPrice / regularMarketTime of that recording.
const YAHOO_AAPL_PRICE = 244.47;
const YAHOO_AAPL_TIME = "2025-02-18T21:00:00.000Z";

describe("GET /prices/latest", () => {
  it("answers a synthetic price by default, stored with its raw response and its event", async () => {
    const symbol = uniqueSymbol();
    const answer = await call(`/prices/latest?symbol=${symbol.toLowerCase()}`);

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      symbol,
      price: expect.any(Number),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/),
      provider: "synthetic",
      ...NO_QUOTE_DETAILS,
    });
    expect(await countRows("price_points", symbol, "synthetic")).toBe(1);
    const raw = await env.DB.prepare("SELECT id, provider, symbols, http_status FROM raw_responses WHERE symbols = ?")
      .bind(symbol)
      .first<{ id: string }>();
    expect(raw).toEqual({ id: expect.any(String), provider: "synthetic", symbols: symbol, http_status: 200 });
    const [event] = await waitForEvents(symbol, 1);
    expect(event!.value).toEqual({
      event_id: expect.any(String),
      type: "price.updated",
      version: 1,
      symbol,
      price: answer.body.price,
      timestamp: answer.body.timestamp,
      provider: "synthetic",
      ...NO_QUOTE_DETAILS,
      raw_response_id: raw!.id,
      emitted_at: expect.any(String),
    });
  });

  it("returns exactly Yahoo's regularMarketPrice and regularMarketTime from a recorded chart", async () => {
    const symbol = uniqueSymbol("Y");
    await whenRequested({ match: `/yahoo/v8/finance/chart/${symbol}`, responses: [{ fixture: YAHOO_AAPL }] });

    const answer = await call(`/prices/latest?symbol=${symbol}&provider=yfinance`);

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ symbol, price: YAHOO_AAPL_PRICE, timestamp: YAHOO_AAPL_TIME, provider: "yfinance", ...YAHOO_AAPL_RANGE1D_DETAILS });
    const stored = await env.DB.prepare("SELECT price, ts FROM price_points WHERE symbol = ? AND provider = 'yfinance'")
      .bind(symbol)
      .first();
    expect(stored).toEqual({ price: YAHOO_AAPL_PRICE, ts: Date.parse(YAHOO_AAPL_TIME) });
  });

  it("serves the stored latest while it is younger than max_age, and asks the provider again after", async () => {
    const symbol = uniqueSymbol("Y");
    await whenRequested({ match: `/yahoo/v8/finance/chart/${symbol}`, responses: [{ fixture: YAHOO_AAPL }] });

    await call(`/prices/latest?symbol=${symbol}&provider=yfinance`);
    await call(`/prices/latest?symbol=${symbol}&provider=yfinance&max_age=60`);
    expect(await requestsMatching(`/chart/${symbol}`)).toHaveLength(1);

    await call(`/prices/latest?symbol=${symbol}&provider=yfinance&max_age=0`);
    expect(await requestsMatching(`/chart/${symbol}`)).toHaveLength(2);
  });

  it.each([
    ["an unknown symbol (Yahoo 404)", "yahoo", { fixture: "yahoo/chart_error_unknown_symbol_404.json" }, 404, "symbol_not_found"],
    ["a provider 500", "yahoo", { status: 500, body: "upstream exploded" }, 502, "provider_error"],
    ["a body that is not JSON", "yahoo", { status: 200, body: "<html>captcha</html>" }, 502, "provider_error"],
    ["Yahoo's plain-text 429", "yahoo", { status: 429, body: "Edge: Too Many Requests" }, 503, "provider_rate_limited"],
    ["Alpha Vantage's HTTP-200 rate-limit Note", "alphavantage", { fixture: "alphavantage/rate_limit_note_2018.json" }, 503, "provider_rate_limited"],
    ["Alpha Vantage's HTTP-200 rate-limit Information", "alphavantage", { fixture: "alphavantage/rate_limit_information_2025.json" }, 503, "provider_rate_limited"],
    ["Alpha Vantage's empty Global Quote", "alphavantage", { fixture: "alphavantage/global_quote_unknown_symbol_empty.json" }, 404, "symbol_not_found"],
    ["Finnhub's all-zero quote", "finnhub", { fixture: "finnhub/quote_unknown_symbol_all_zero_2021.json" }, 404, "symbol_not_found"],
    ["Finnhub's 403 error body", "finnhub", { fixture: "finnhub/error_no_access_quote_non_us_symbol.json" }, 502, "provider_error"],
    ["Binance's invalid-symbol error", "binance", { fixture: "binance/error_invalid_symbol_doc_example.json" }, 404, "symbol_not_found"],
  ])("answers %s with the documented status and code", async (_case, server, response, status, code) => {
    const provider = { yahoo: "yfinance", alphavantage: "alpha_vantage", finnhub: "finnhub", binance: "binance" }[server]!;
    const symbol = uniqueSymbol("E");
    await whenRequested({ match: symbol, responses: [response] });

    const answer = await call(`/prices/latest?symbol=${symbol}&provider=${provider}`);

    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }), detail: expect.any(String) });
    if (status === 503) expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await countRows("price_points", symbol, provider)).toBe(0);
  });

  it("answers a provider that does not answer in time with 502 provider_timeout", async () => {
    const symbol = uniqueSymbol("H");
    await whenRequested({ match: symbol, responses: [{ hang: true }] });
    const answer = await call(`/prices/latest?symbol=${symbol}&provider=yfinance`);
    expect(answer.status).toBe(502);
    expect(answer.body).toMatchObject({ error: { code: "provider_timeout" } });
  });

  it.each([
    ["an invalid symbol", "symbol=not%20a%20symbol"],
    ["a missing symbol", ""],
    ["a 10 KB symbol", `symbol=${"A".repeat(10_000)}`],
    ["an unknown provider", "symbol=AAPL&provider=bloomberg"],
    ["a negative max_age", "symbol=AAPL&max_age=-1"],
    ["a fractional max_age", "symbol=AAPL&max_age=1.5"],
    ["a max_age that is not a number", "symbol=AAPL&max_age=soon"],
  ])("rejects %s with 422 invalid_request", async (_case, query) => {
    const answer = await call(`/prices/latest?${query}`);
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ error: { code: "invalid_request", message: expect.any(String) } });
  });
});

describe("POST /poll/{symbol}", () => {
  it("stores one point while the provider reports the same quote time", async () => {
    const symbol = uniqueSymbol("P");
    await whenRequested({ match: `/yahoo/v8/finance/chart/${symbol}`, responses: [{ fixture: YAHOO_AAPL }] });

    const first = await call(`/poll/${symbol}?provider=yfinance`, { method: "POST" });
    const second = await call(`/poll/${symbol}?provider=yfinance`, { method: "POST" });

    expect(first.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await countRows("price_points", symbol, "yfinance")).toBe(1);
    await waitForEvents(symbol, 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await deliveredEvents(symbol)).toHaveLength(1);
    // The repeated answer produced no point: its raw answer is not stored (only a sample of duplicates is).
    const raws = await env.DB.prepare("SELECT count(*) AS n FROM raw_responses WHERE symbols = ?").bind(symbol).first();
    expect(raws).toEqual({ n: 1 });
  });

  it("keeps the provider's body and a redacted URL in the raw response", async () => {
    const symbol = uniqueSymbol("R");
    await whenRequested({ match: `/finnhub/api/v1/quote?symbol=${symbol}`, responses: [{ fixture: "finnhub/quote_aapl_2020-08-18_legacy_no_d_dp.json" }] });

    const answer = await call(`/poll/${symbol}?provider=finnhub`, { method: "POST" });

    expect(answer.status).toBe(200);
    const raw = await env.DB.prepare("SELECT url, body FROM raw_responses WHERE symbols = ?").bind(symbol).first<{ url: string; body: string }>();
    expect(raw!.url).not.toContain(env.FINNHUB_API_KEY as string);
    expect(raw!.url).toContain(`symbol=${symbol}`);
    expect(JSON.parse(raw!.body)).toMatchObject({ c: expect.any(Number), t: 1597783907 });
  });
});

describe("GET /prices/history", () => {
  it("lists stored points newest first, within from/to and limit", async () => {
    const symbol = uniqueSymbol("S");
    const base = Date.parse("2024-03-20T15:00:00Z");
    for (let minute = 0; minute < 5; minute++) {
      await env.DB.prepare(
        "INSERT INTO price_points (symbol, provider, ts, price, raw_response_id, created_at) VALUES (?, 'synthetic', ?, ?, 'seed', 0)",
      )
        .bind(symbol, base + minute * 60_000, 100 + minute)
        .run();
    }

    const all = await call(`/prices/history?symbol=${symbol}`);
    expect(all.body).toEqual({
      symbol,
      provider: "synthetic",
      points: [104, 103, 102, 101, 100].map((price, index) => ({
        price,
        timestamp: new Date(base + (4 - index) * 60_000).toISOString(),
        // Rows without the full quote's columns (stored before them, or from elsewhere) answer them as null.
        ...NO_QUOTE_DETAILS,
      })),
      next_cursor: null,
    });

    const window = await call<{ points: { price: number }[] }>(
      `/prices/history?symbol=${symbol}&from=2024-03-20T15:01:00Z&to=2024-03-20T15:03:00Z&limit=2`,
    );
    expect(window.body.points.map((point) => point.price)).toEqual([103, 102]);
  });

  it.each(["limit=0", "limit=1001", "from=yesterday"])("rejects %s with 422", async (query) => {
    const answer = await call(`/prices/history?symbol=AAPL&${query}`);
    expect(answer.status).toBe(422);
  });
});
