/// <reference types="vite/client" />
/**
 * GET /prices/bars: the recorded history answers served through the route (exact values and bar times), the
 * store filled once and then answering alone, gaps/empty windows/errors, the provider's intervals, paging, the
 * bound on provider requests per call, and bars built from stored points.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import btcDaily from "../../../shared/fixtures/providers/yahoo/chart_1d_btc-usd_2020-01-01_to_2020-01-03.json?raw";
import { syntheticBar } from "../../src/providers/synthetic-history";
import { call, uniqueSymbol } from "../support/api";
import { requestsMatching, whenRequested } from "../support/scenario";

interface BarsBody {
  symbol: string;
  provider: string;
  interval: string;
  source: string;
  bars: { timestamp: string; open: number; high: number; low: number; close: number; volume: number | null; adjusted_close: number | null }[];
  next_cursor: string | null;
  backfill: { missing: { from: string; to: string }[]; requests: number; message: string } | null;
  error?: { code: string; message: string };
}

const bars = (query: string) => call<BarsBody>(`/prices/bars?${query}`);

describe("GET /prices/bars from providers", () => {
  it("serves Yahoo's recorded daily AAPL bars exactly, stores them with the raw answer, then answers from the store", async () => {
    const symbol = uniqueSymbol("Y");
    await whenRequested({ match: `/yahoo/v8/finance/chart/${symbol}?`, responses: [{ fixture: "yahoo/chart_1d_aapl_2020-08-31_to_2020-11-07.json" }] });
    const query = `symbol=${symbol}&interval=1d&provider=yfinance&from=2020-08-31T00:00:00Z&to=2020-11-07T00:00:00Z`;

    const first = await bars(query);
    const again = await bars(query);

    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ symbol, provider: "yfinance", interval: "1d", source: "provider", next_cursor: null, backfill: null });
    expect(first.body.bars).toHaveLength(49);
    expect(first.body.bars[0]).toEqual({
      timestamp: "2020-08-31T13:30:00.000Z",
      open: 127.58000183105469,
      high: 131,
      low: 126,
      close: 129.0399932861328,
      volume: 225702700,
      adjusted_close: 125.82673645019531,
    });
    expect(first.body.bars[48]).toEqual({
      timestamp: "2020-11-06T14:30:00.000Z",
      open: 118.31999969482422,
      high: 119.19999694824219,
      low: 116.12999725341797,
      close: 118.69000244140625,
      volume: 114457900,
      adjusted_close: 115.93415069580078,
    });
    expect(again.body).toEqual(first.body);
    expect(await requestsMatching(`/yahoo/v8/finance/chart/${symbol}?`)).toHaveLength(1);
    const raw = await env.DB.prepare("SELECT url, http_status FROM raw_responses WHERE symbols = ?").bind(symbol).all();
    expect(raw.results).toEqual([{ url: expect.stringContaining("period1=1598832000&period2=1604707200&interval=1d"), http_status: 200 }]);
  });

  it("serves BTC-USD's bars at 00:00 UTC; a later window without trading (no timestamp key) is 200 with no bars, held afterwards", async () => {
    const symbol = uniqueSymbol("B");
    const empty = JSON.parse(btcDaily) as { chart: { result: [Record<string, unknown>] } };
    delete empty.chart.result[0].timestamp;
    empty.chart.result[0].indicators = { quote: [{}], adjclose: [{}] };
    await whenRequested({ match: `/yahoo/v8/finance/chart/${symbol}?period1=1577836800`, responses: [{ fixture: "yahoo/chart_1d_btc-usd_2020-01-01_to_2020-01-03.json" }] });
    await whenRequested({ match: `/yahoo/v8/finance/chart/${symbol}?period1=1590969600`, responses: [{ json: empty }] });

    const days = await bars(`symbol=${symbol}&interval=1d&provider=yfinance&from=2020-01-01T00:00:00Z&to=2020-01-04T00:00:00Z`);
    const quiet = await bars(`symbol=${symbol}&interval=1d&provider=yfinance&from=2020-06-01T00:00:00Z&to=2020-06-02T00:00:00Z`);
    const quietAgain = await bars(`symbol=${symbol}&interval=1d&provider=yfinance&from=2020-06-01T00:00:00Z&to=2020-06-02T00:00:00Z`);

    expect(days.body.bars.map((bar) => [bar.timestamp, bar.open, bar.close, bar.volume])).toEqual([
      ["2020-01-01T00:00:00.000Z", 7194.89208984375, 7200.17431640625, 18565664997],
      ["2020-01-02T00:00:00.000Z", 7202.55126953125, 6985.47021484375, 20802083465],
      ["2020-01-03T00:00:00.000Z", 6984.4287109375, 7344.88427734375, 28111481032],
    ]);
    expect(quiet.status).toBe(200);
    expect(quiet.body.bars).toEqual([]);
    expect(quietAgain.body.bars).toEqual([]);
    expect(await requestsMatching(`/yahoo/v8/finance/chart/${symbol}?period1=1590969600`)).toHaveLength(1);
  });

  it("serves Alpha Vantage's daily and 1-minute series in UTC (EDT in May, EST in December)", async () => {
    const symbol = uniqueSymbol("A");
    await whenRequested({ match: `function=TIME_SERIES_DAILY&symbol=${symbol}&`, responses: [{ fixture: "alphavantage/time_series_daily_ibm_2020-05-08_trimmed.json" }] });
    await whenRequested({ match: `function=TIME_SERIES_INTRADAY&symbol=${symbol}&`, responses: [{ fixture: "alphavantage/time_series_intraday_1min_msft_2017-12-18.json" }] });

    const daily = await bars(`symbol=${symbol}&interval=1d&provider=alpha_vantage&from=2020-05-07T00:00:00Z&to=2020-05-09T00:00:00Z`);
    const minutes = await bars(`symbol=${symbol}&interval=1m&provider=alpha_vantage&from=2017-12-18T19:54:00Z&to=2017-12-18T20:00:00Z`);

    expect(daily.body.bars).toEqual([
      { timestamp: "2020-05-07T04:00:00.000Z", open: 122.98, high: 123.26, low: 120.85, close: 121.23, volume: 4412047, adjusted_close: null },
      { timestamp: "2020-05-08T04:00:00.000Z", open: 122.67, high: 122.8, low: 121.06, close: 121.79, volume: 2538547, adjusted_close: null },
    ]);
    expect(minutes.body.bars).toEqual([
      { timestamp: "2017-12-18T19:54:00.000Z", open: 86.47, high: 86.51, low: 86.47, close: 86.4931, volume: 24345, adjusted_close: null },
      { timestamp: "2017-12-18T19:55:00.000Z", open: 86.49, high: 86.5, low: 86.4801, close: 86.5, volume: 12682, adjusted_close: null },
      { timestamp: "2017-12-18T19:56:00.000Z", open: 86.49, high: 86.5, low: 86.475, close: 86.5, volume: 10494, adjusted_close: null },
    ]);
  });

  it("serves Binance's klines and Polygon's aggregates exactly", async () => {
    const symbol = uniqueSymbol("K");
    await whenRequested({ match: `/binance/api/v3/klines?symbol=${symbol}&`, responses: [{ fixture: "binance/klines_btcusdt_1d_2021-01-01.json" }] });
    await whenRequested({ match: `/polygon/v2/aggs/ticker/${symbol}/range/1/day/`, responses: [{ fixture: "polygon/v2_aggs_range_aapl_1day_2005-04-01_2005-04-04.json" }] });

    const klines = await bars(`symbol=${symbol}&interval=1d&provider=binance&from=2021-01-01T00:00:00Z&to=2021-01-03T00:00:00Z`);
    const aggs = await bars(`symbol=${symbol}&interval=1d&provider=polygon&from=2005-04-01T00:00:00Z&to=2005-04-05T00:00:00Z`);

    expect(klines.body.bars).toEqual([
      { timestamp: "2021-01-01T00:00:00.000Z", open: 28923.63, high: 29600, low: 28624.57, close: 29331.69, volume: 54182.925011, adjusted_close: null },
      { timestamp: "2021-01-02T00:00:00.000Z", open: 29331.7, high: 33300, low: 28946.53, close: 32178.33, volume: 129993.873362, adjusted_close: null },
    ]);
    expect(aggs.body.bars).toEqual([
      { timestamp: "2005-04-01T05:00:00.000Z", open: 1.5032, high: 1.5064, low: 1.4489, close: 1.4604, volume: 642646396, adjusted_close: null },
      { timestamp: "2005-04-04T04:00:00.000Z", open: 1.4639, high: 1.4754, low: 1.4343, close: 1.4675, volume: 578172308, adjusted_close: null },
    ]);
  });

  it("answers Finnhub's premium-only candles with 503 provider_plan_required, the refusal stored", async () => {
    const symbol = uniqueSymbol("F");
    await whenRequested({ match: `/finnhub/api/v1/stock/candle?symbol=${symbol}&`, responses: [{ fixture: "finnhub/error_no_access_quote_non_us_symbol.json" }] });

    const answer = await bars(`symbol=${symbol}&interval=1d&provider=finnhub&from=2024-01-01T00:00:00Z&to=2024-02-01T00:00:00Z`);

    expect(answer.status).toBe(503);
    expect(answer.body.error).toMatchObject({ code: "provider_plan_required", provider: "finnhub" });
    const raw = await env.DB.prepare("SELECT http_status FROM raw_responses WHERE symbols = ?").bind(symbol).all();
    expect(raw.results).toEqual([{ http_status: 403 }]);
  });

  it("answers an unknown symbol with 404 and an Alpha Vantage rate limit with 503", async () => {
    const unknown = uniqueSymbol("U");
    const limited = uniqueSymbol("L");
    await whenRequested({ match: `/yahoo/v8/finance/chart/${unknown}?`, responses: [{ fixture: "yahoo/chart_error_unknown_symbol_404.json" }] });
    await whenRequested({ match: `symbol=${limited}&`, responses: [{ fixture: "alphavantage/rate_limit_information_2025.json" }] });

    const notFound = await bars(`symbol=${unknown}&interval=1d&provider=yfinance&from=2024-01-01T00:00:00Z&to=2024-02-01T00:00:00Z`);
    const rateLimited = await bars(`symbol=${limited}&interval=1d&provider=alpha_vantage&from=2024-01-01T00:00:00Z&to=2024-02-01T00:00:00Z`);

    expect([notFound.status, notFound.body.error?.code]).toEqual([404, "symbol_not_found"]);
    expect([rateLimited.status, rateLimited.body.error?.code]).toEqual([503, "provider_rate_limited"]);
  });

  it("refuses an interval the provider lacks with 422 naming the ones it has", async () => {
    const answer = await bars(`symbol=IBM&interval=1wk&provider=alpha_vantage&from=2024-01-01T00:00:00Z&to=2024-02-01T00:00:00Z`);

    expect(answer.status).toBe(422);
    expect(answer.body.error?.message).toBe("alpha_vantage has no 1wk bars; its intervals are 1m, 5m, 15m, 30m, 1h, 1d");
  });

  it("asks nothing for a range needing more than 3 requests and answers a backfill hint", async () => {
    const symbol = uniqueSymbol("H");
    const to = Math.floor(Date.now() / 60_000) * 60_000;
    const from = to - 25 * 86_400_000;

    const answer = await bars(`symbol=${symbol}&interval=1m&provider=yfinance&from=${from}&to=${to}`);

    expect(answer.status).toBe(200);
    expect(answer.body.bars).toEqual([]);
    expect(answer.body.backfill).toMatchObject({ missing: [{ from: new Date(from).toISOString(), to: new Date(to).toISOString() }], requests: 4 });
    expect(await requestsMatching(`/yahoo/v8/finance/chart/${symbol}?`)).toHaveLength(0);
  });
});

describe("GET /prices/bars paging and sources", () => {
  it("walks synthetic bars page by page with next_cursor, each bar once", async () => {
    const symbol = uniqueSymbol("P");
    const from = Date.parse("2024-03-20T15:30:00Z");
    const query = `symbol=${symbol}&interval=1m&provider=synthetic&from=${from}&to=${from + 10 * 60_000}&limit=4`;

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { body: BarsBody } = await bars(cursor ? `${query}&cursor=${cursor}` : query);
      seen.push(...page.body.bars.map((bar) => bar.timestamp));
      cursor = page.body.next_cursor;
      pages += 1;
    } while (cursor);

    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => new Date(from + i * 60_000).toISOString()));
    const third = syntheticBar(symbol, "1m", from + 2 * 60_000, Date.now());
    const page1 = await bars(query);
    expect(page1.body.bars[2]).toMatchObject({ open: third.open, high: third.high, low: third.low, close: third.close, volume: third.volume });
  });

  it("refuses a cursor it did not give out, and from after to", async () => {
    expect((await bars("symbol=AAPL&interval=1m&provider=synthetic&cursor=nonsense")).status).toBe(422);
    expect((await bars("symbol=AAPL&interval=1m&provider=synthetic&from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z")).status).toBe(422);
  });

  it("builds source=points bars from stored points: open first, close last, volume null", async () => {
    const symbol = uniqueSymbol("S");
    const base = Date.parse("2024-03-20T15:30:00Z");
    const points = [
      [base + 1_000, 10],
      [base + 20_000, 12],
      [base + 40_000, 9],
      [base + 59_000, 11],
      [base + 61_000, 20],
      [base + 3 * 60_000 + 5_000, 30],
    ] as const;
    await env.DB.batch(
      points.map(([ts, price]) =>
        env.DB.prepare("INSERT INTO price_points (symbol, provider, ts, price, raw_response_id, created_at) VALUES (?, 'synthetic', ?, ?, 'test', 0)").bind(symbol, ts, price),
      ),
    );

    const answer = await bars(`symbol=${symbol}&interval=1m&provider=synthetic&source=points&from=${base}&to=${base + 5 * 60_000}`);

    expect(answer.body.source).toBe("points");
    expect(answer.body.bars).toEqual([
      { timestamp: "2024-03-20T15:30:00.000Z", open: 10, high: 12, low: 9, close: 11, volume: null, adjusted_close: null },
      { timestamp: "2024-03-20T15:31:00.000Z", open: 20, high: 20, low: 20, close: 20, volume: null, adjusted_close: null },
      { timestamp: "2024-03-20T15:33:00.000Z", open: 30, high: 30, low: 30, close: 30, volume: null, adjusted_close: null },
    ]);
  });
});
