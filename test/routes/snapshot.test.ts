/**
 * GET /prices/snapshot (API.md, "Many symbols"): every symbol's latest in one call; fresh ones from the store,
 * the rest from the provider in ⌈N / batch size⌉ requests for a batch provider; failures listed beside prices.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, uniqueSymbol } from "../support/api";

async function rawAnswersFor(prefix: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM raw_responses WHERE symbols LIKE ?").bind(`%${prefix}%`).first<{ n: number }>();
  return row?.n ?? 0;
}

interface SnapshotBody {
  prices: { symbol: string; price: number; provider: string }[];
  errors: { symbol: string; error: { code: string } }[];
}

describe("GET /prices/snapshot", () => {
  it("answers every symbol in the order asked, in one request of a batch provider, then from the store", async () => {
    const prefix = uniqueSymbol("Q").slice(1, 6);
    const symbols = Array.from({ length: 7 }, (_, i) => `Q${prefix}${i}`);
    const first = await call<SnapshotBody>(`/prices/snapshot?symbols=${symbols.join(",").toLowerCase()}&provider=synthetic`);
    expect(first.status).toBe(200);
    expect(first.body.prices.map((price) => price.symbol)).toEqual(symbols);
    expect(first.body.errors).toEqual([]);
    expect(await rawAnswersFor(prefix)).toBe(1);
    expect(first.headers.get("etag")).toMatch(/^"/);

    const again = await call<SnapshotBody>(`/prices/snapshot?symbols=${symbols.join(",")}&provider=synthetic&max_age=60`);
    expect(again.body.prices).toEqual(first.body.prices);
    expect(await rawAnswersFor(prefix)).toBe(1);
    // The latest of each symbol is the snapshot's.
    const latest = await call(`/prices/latest?symbol=${symbols[3]}&provider=synthetic`);
    expect(latest.body).toEqual(first.body.prices[3]);
  });

  it.each([
    ["no symbols", "symbols="],
    ["101 symbols", `symbols=${Array.from({ length: 101 }, (_, i) => `S${i}`).join(",")}`],
    ["an invalid symbol", "symbols=AAPL,NOT%20ONE"],
  ])("rejects %s with 422", async (_case, query) => {
    expect((await call(`/prices/snapshot?${query}`)).status).toBe(422);
  });
});
