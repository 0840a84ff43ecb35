/**
 * Paging of /prices/history (API.md, Paging): newest first, `limit` + `cursor` → `next_cursor` (null at the end);
 * a walk while new points arrive yields every point that existed when it began, once, in order.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, uniqueSymbol } from "../support/api";

interface HistoryPage {
  points: { price: number; timestamp: string }[];
  next_cursor: string | null;
}

const T0 = Date.parse("2025-01-06T14:30:00Z");

async function seed(symbol: string, times: readonly number[]): Promise<void> {
  const insert = env.DB.prepare(
    "INSERT INTO price_points (symbol, provider, ts, price, raw_response_id, created_at) VALUES (?, 'synthetic', ?, ?, 'seed', 0)",
  );
  await env.DB.batch(times.map((ts, i) => insert.bind(symbol, ts, 100 + i)));
}

async function walk(query: string, between?: (page: number) => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const answer: { status: number; body: HistoryPage } = await call<HistoryPage>(`/prices/history?${query}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(answer.status).toBe(200);
    seen.push(...answer.body.points.map((point) => point.timestamp));
    cursor = answer.body.next_cursor;
    await between?.(++pages);
  } while (cursor !== null && pages < 100);
  return seen;
}

describe("GET /prices/history paging", () => {
  it("walks every point once, newest first, while newer points arrive", async () => {
    const symbol = uniqueSymbol("H");
    const times = Array.from({ length: 25 }, (_, i) => T0 + i * 1000);
    await seed(symbol, times);

    const walked = await walk(`symbol=${symbol}&provider=synthetic&limit=4`, (page) => seed(symbol, [T0 + 1_000_000 + page]));

    expect(walked).toEqual([...times].reverse().map((ts) => new Date(ts).toISOString()));
  });

  it("answers next_cursor null on the last page, also when it is exactly full", async () => {
    const symbol = uniqueSymbol("H");
    await seed(symbol, [T0, T0 + 1000, T0 + 2000, T0 + 3000]);
    const first = await call<HistoryPage>(`/prices/history?symbol=${symbol}&provider=synthetic&limit=2`);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await call<HistoryPage>(`/prices/history?symbol=${symbol}&provider=synthetic&limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.points).toHaveLength(2);
    expect(second.body.next_cursor).toBeNull();
  });

  it("keeps from and to while paging", async () => {
    const symbol = uniqueSymbol("H");
    const times = Array.from({ length: 10 }, (_, i) => T0 + i * 1000);
    await seed(symbol, times);
    const from = new Date(T0 + 2000).toISOString();
    const to = new Date(T0 + 7000).toISOString();
    const walked = await walk(`symbol=${symbol}&provider=synthetic&limit=4&from=${from}&to=${to}`);
    expect(walked).toEqual(times.slice(2, 8).reverse().map((ts) => new Date(ts).toISOString()));
  });

  it.each([
    ["junk", "cursor=%21%21"],
    ["a jobs cursor", `cursor=${btoa(JSON.stringify([1, "job"])).replace(/=+$/, "")}`],
  ])("rejects a cursor that is %s with 422", async (_case, query) => {
    const answer = await call(`/prices/history?symbol=AAPL&${query}`);
    expect(answer.status).toBe(422);
  });
});
