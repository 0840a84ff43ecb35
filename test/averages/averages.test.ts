import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { OUTBOX_CAPACITY } from "../../src/symbol/symbol-object";
import { call, uniqueSymbol } from "../support/api";
import { eventually, sleep, startJob, stopJob } from "../support/jobs";

const BASE_TIME = Date.parse("2024-03-20T15:00:00Z");

/** Store `prices` (oldest first, one a second) as if polled from `provider`. */
async function seedPoints(symbol: string, prices: readonly number[], provider = "synthetic"): Promise<void> {
  const statement = env.DB.prepare(
    "INSERT INTO price_points (symbol, provider, ts, price, raw_response_id, created_at) VALUES (?, ?, ?, ?, 'seed', 0)",
  );
  await env.DB.batch(prices.map((price, index) => statement.bind(symbol, provider, BASE_TIME + index * 1000, price)));
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

interface AverageBody {
  symbol: string;
  provider: string;
  window: number;
  moving_average: number;
  type: string;
  as_of: string;
  points: number;
}

describe("GET /ma/{symbol} and GET /prices/ma", () => {
  it("answers the mean of the newest `window` stored points, in both forms, and stores it once", async () => {
    const symbol = uniqueSymbol("M");
    await seedPoints(symbol, [10, 11, 12, 13, 14, 15, 16]);

    const byPath = await call<AverageBody>(`/ma/${symbol}?window=5`);
    const byQuery = await call<AverageBody>(`/prices/ma?symbol=${symbol.toLowerCase()}&window=5`);

    expect(byPath.status).toBe(200);
    expect(byPath.body).toEqual({
      symbol,
      provider: "synthetic",
      window: 5,
      moving_average: 14,
      type: "sma",
      as_of: new Date(BASE_TIME + 6000).toISOString(),
      points: 5,
    });
    expect(byQuery.body).toEqual(byPath.body);
    await eventually(async () => {
      const stored = await env.DB.prepare("SELECT kind, window, value, as_of, points FROM moving_averages WHERE symbol = ?").bind(symbol).all();
      expect(stored.results).toEqual([{ kind: "sma", window: 5, value: 14, as_of: BASE_TIME + 6000, points: 5 }]);
    });
  });

  it("defaults to a window of 5", async () => {
    const symbol = uniqueSymbol("M");
    await seedPoints(symbol, [1, 2, 3, 4, 5, 6]);
    expect((await call<AverageBody>(`/ma/${symbol}`)).body).toMatchObject({ window: 5, moving_average: 4 });
  });

  it("handles every window up to 1000", async () => {
    const symbol = uniqueSymbol("M");
    const prices = Array.from({ length: 1200 }, (_, index) => 100 + Math.sin(index) * 10);
    await seedPoints(symbol, prices);

    for (const window of [1, 50, 999, 1000]) {
      const answer = await call<AverageBody>(`/ma/${symbol}?window=${window}`);
      expect(answer.body.moving_average).toBeCloseTo(mean(prices.slice(-window)), 9);
    }
  });

  it("answers the exponential average with type=ema", async () => {
    const symbol = uniqueSymbol("E");
    await seedPoints(symbol, [10, 20, 30]);
    // α = 2 / (3 + 1) = 0.5: seeded with 10, then 0.5·20 + 0.5·10 = 15, then 0.5·30 + 0.5·15 = 22.5
    expect((await call<AverageBody>(`/ma/${symbol}?window=3&type=ema`)).body).toMatchObject({ type: "ema", moving_average: 22.5 });
  });

  it("answers 404 insufficient_data when fewer points than the window are stored", async () => {
    const symbol = uniqueSymbol("I");
    await seedPoints(symbol, [1, 2, 3]);
    const answer = await call(`/ma/${symbol}?window=4`);
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ error: { code: "insufficient_data", message: expect.stringContaining("3 are stored") } });
  });

  it.each(["window=0", "window=1001", "window=2.5", "window=five", "type=wma", "provider=reuters"])("rejects %s with 422", async (query) => {
    const answer = await call(`/ma/AAPL?${query}`);
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ error: { code: "invalid_request" } });
  });

  it("follows new points without reading history again", async () => {
    const symbol = uniqueSymbol("N");
    await seedPoints(symbol, [1, 2, 3, 4, 5]);
    expect((await call<AverageBody>(`/ma/${symbol}?window=5`)).body.moving_average).toBe(3);

    const polled = await call<{ price: number; timestamp: string }>(`/poll/${symbol}`, { method: "POST" });
    const after = await call<AverageBody>(`/ma/${symbol}?window=5`);

    expect(after.body.as_of).toBe(polled.body.timestamp);
    expect(after.body.moving_average).toBeCloseTo((2 + 3 + 4 + 5 + polled.body.price) / 5, 9);
  });

  it("equals the mean of the newest points of /prices/history while polling runs", async () => {
    const symbol = uniqueSymbol("P");
    const id = await startJob({ symbols: [symbol], interval: 1, provider: "synthetic" });
    await eventually(async () => expect((await call<AverageBody>(`/ma/${symbol}?window=3`)).status).toBe(200), 8_000);

    for (let check = 0; check < 3; check++) {
      const average = await call<AverageBody>(`/ma/${symbol}?window=3`);
      const history = await call<{ points: { price: number }[] }>(`/prices/history?symbol=${symbol}&to=${average.body.as_of}&limit=3`);
      expect(average.body.moving_average).toBeCloseTo(mean(history.body.points.map((point) => point.price)), 9);
      await sleep(700);
    }
    await stopJob(id);
  });
});

describe("the outbox bound", () => {
  it("takes no new points while OUTBOX_CAPACITY events of a symbol wait for the sink, and says so", async () => {
    const symbol = uniqueSymbol("C");
    const statement = env.DB.prepare("INSERT INTO outbox (event_id, symbol, provider, payload, created_at) VALUES (?, ?, 'synthetic', '{}', 0)");
    const rows = Array.from({ length: OUTBOX_CAPACITY }, () => statement.bind(crypto.randomUUID(), symbol));
    for (let start = 0; start < rows.length; start += 1000) await env.DB.batch(rows.slice(start, start + 1000));

    const answer = await call(`/poll/${symbol}`, { method: "POST" });

    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ error: { code: "service_unavailable", message: expect.stringContaining("event sink") } });
    expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
    const points = await env.DB.prepare("SELECT count(*) AS n FROM price_points WHERE symbol = ?").bind(symbol).first();
    expect(points).toEqual({ n: 0 });
    await env.DB.prepare("DELETE FROM outbox WHERE symbol = ?").bind(symbol).run();
  });
});
