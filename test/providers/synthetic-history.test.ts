/**
 * synthetic bars: deterministic, for any range, consistent with the synthetic price walk the quotes come from.
 */
import { describe, expect, it } from "vitest";
import { fetchBars } from "../../src/providers/history";
import { syntheticPrice } from "../../src/providers/synthetic";
import { syntheticHistory } from "../../src/providers/synthetic-history";

const config = { baseUrl: "synthetic://local", timeoutMs: 1500 };
const at = (iso: string) => Date.parse(iso);

describe("synthetic bars", () => {
  it("gives the same bars for the same range, opening and closing on the walk's prices", async () => {
    const query = { symbol: "AAPL", interval: "1m" as const, from: at("2024-03-20T15:30:00Z"), to: at("2024-03-20T15:35:00Z") };

    const first = await fetchBars(syntheticHistory, query, config);
    const again = await fetchBars(syntheticHistory, query, config);

    expect(first.bars).toEqual(again.bars);
    expect(first.bars.map((bar) => bar.timestamp)).toEqual([0, 1, 2, 3, 4].map((i) => query.from + i * 60_000));
    for (const bar of first.bars) {
      const second = bar.timestamp / 1000;
      expect(bar.open).toBe(syntheticPrice("AAPL", second));
      expect(bar.close).toBe(syntheticPrice("AAPL", second + 59));
      for (let s = second; s < second + 60; s++) {
        expect(bar.high).toBeGreaterThanOrEqual(syntheticPrice("AAPL", s));
        expect(bar.low).toBeLessThanOrEqual(syntheticPrice("AAPL", s));
      }
    }
  });

  it("starts weekly bars on Mondays and has no bars in the future", async () => {
    const now = Date.now();
    const weeks = await fetchBars(syntheticHistory, { symbol: "MSFT", interval: "1wk", from: at("2024-01-01T00:00:00Z"), to: at("2024-02-01T00:00:00Z") }, config);
    const future = await fetchBars(syntheticHistory, { symbol: "MSFT", interval: "1d", from: now + 86_400_000, to: now + 10 * 86_400_000 }, config);

    expect(weeks.bars.map((bar) => new Date(bar.timestamp).toISOString())).toEqual([
      "2024-01-01T00:00:00.000Z",
      "2024-01-08T00:00:00.000Z",
      "2024-01-15T00:00:00.000Z",
      "2024-01-22T00:00:00.000Z",
      "2024-01-29T00:00:00.000Z",
    ]);
    expect(future.bars).toEqual([]);
  });
});
