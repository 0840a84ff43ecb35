import { describe, expect, it } from "vitest";
import { RequestBudget } from "../../src/coordinator/budget";

describe("RequestBudget", () => {
  it("grants up to perMinute requests in any sliding minute, then says when the next one fits", () => {
    const budget = new RequestBudget({ perMinute: 5 });
    const start = 1_000_000;
    for (let i = 0; i < 5; i++) expect(budget.tryAcquire(start + i * 1000)).toEqual({ granted: true });

    const refused = budget.tryAcquire(start + 10_000);
    expect(refused).toEqual({ granted: false, retryAfterMs: 50_000 });
    expect(budget.tryAcquire(start + 59_999)).toEqual({ granted: false, retryAfterMs: 1 });
    expect(budget.tryAcquire(start + 60_000)).toEqual({ granted: true });
  });

  it("enforces perDay too, and reports usage", () => {
    const budget = new RequestBudget({ perMinute: 5, perDay: 25 });
    let now = 0;
    for (let i = 0; i < 25; i++) {
      now += 13_000;
      expect(budget.tryAcquire(now).granted).toBe(true);
    }
    expect(budget.usage(now)).toEqual({ lastMinute: 5, lastDay: 25 });
    const refused = budget.tryAcquire(now + 60_000);
    expect(refused.granted).toBe(false);
    expect(refused.granted === false && refused.retryAfterMs).toBeGreaterThan(20 * 3_600_000);
  });

  it("survives a restart through its snapshot", () => {
    const budget = new RequestBudget({ perMinute: 1 });
    budget.tryAcquire(5_000);
    const restored = new RequestBudget({ perMinute: 1 }, budget.snapshot());
    expect(restored.tryAcquire(6_000).granted).toBe(false);
  });

  it("never refuses a provider without limits", () => {
    const budget = new RequestBudget({});
    for (let i = 0; i < 10_000; i++) expect(budget.tryAcquire(i).granted).toBe(true);
    expect(budget.snapshot().length).toBeLessThanOrEqual(10_000);
  });
});
