import { describe, expect, it } from "vitest";
import { MAX_WINDOW, PriceWindow } from "../../src/averages/price-window";
import { backoffDelay } from "../../src/timers/backoff";
import { nextDue } from "../../src/jobs/subscriptions";

describe("backoffDelay", () => {
  it("doubles from the base, stays within [ceiling/2, ceiling] and never exceeds the cap", () => {
    expect(backoffDelay(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffDelay(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffDelay(3, 1000, 60_000, () => 1)).toBe(4000);
    expect(backoffDelay(30, 1000, 60_000, () => 1)).toBe(60_000);
    expect(backoffDelay(30, 1000, 60_000, () => 0)).toBe(30_000);
  });
});

describe("nextDue", () => {
  it("keeps the loop on its grid, or restarts it from now when it fell behind", () => {
    expect(nextDue(10_000, 1, 10_200)).toBe(11_000);
    expect(nextDue(10_000, 1, 15_000)).toBe(16_000);
  });
});

describe("PriceWindow", () => {
  it("keeps the newest MAX_WINDOW prices and averages the newest `window` of them", () => {
    const window = new PriceWindow();
    for (let i = 1; i <= MAX_WINDOW + 10; i++) expect(window.push({ price: i, timestamp: i })).toBe(true);
    expect(window.size).toBe(MAX_WINDOW);
    expect(window.newest()).toEqual({ price: MAX_WINDOW + 10, timestamp: MAX_WINDOW + 10 });
    expect(window.simpleAverage(2)).toBe(MAX_WINDOW + 9.5);
    expect(window.simpleAverage(MAX_WINDOW)).toBe((11 + MAX_WINDOW + 10) / 2);
    expect(window.simpleAverage(MAX_WINDOW + 1)).toBeUndefined();
  });

  it("refuses a point older than the newest, so the caller reloads", () => {
    const window = PriceWindow.fromNewestFirst([
      { price: 3, timestamp: 30 },
      { price: 2, timestamp: 20 },
    ]);
    expect(window.push({ price: 1, timestamp: 10 })).toBe(false);
    expect(window.push({ price: 9, timestamp: 30 })).toBe(false);
    expect(window.simpleAverage(2)).toBe(2.5);
  });

  it("computes the exponential average as documented", () => {
    const window = PriceWindow.fromNewestFirst([30, 20, 10].map((price, i) => ({ price, timestamp: 100 - i })));
    expect(window.exponentialAverage(3)).toBe(22.5);
    expect(window.exponentialAverage(1)).toBe(30);
    expect(window.exponentialAverage(0)).toBeUndefined();
  });
});
