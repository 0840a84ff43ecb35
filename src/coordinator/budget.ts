/**
 * A provider's request budget across every job and request of this deployment: a sliding log of the
 * request times of the last day (at most perDay entries) or minute. Sliding rather than fixed windows, so
 * a burst at a window's edge cannot double the rate a provider sees.
 */
export interface BudgetLimits {
  perMinute?: number;
  perDay?: number;
}

export type BudgetDecision = { granted: true } | { granted: false; retryAfterMs: number };

const MINUTE = 60_000;
const DAY = 86_400_000;

export class RequestBudget {
  private log: number[];

  constructor(
    private readonly limits: BudgetLimits,
    log: readonly number[] = [],
  ) {
    this.log = [...log];
  }

  /** Take one request from the budget, or say how long to wait for one. */
  tryAcquire(now: number): BudgetDecision {
    this.forget(now);
    const waits = [this.waitFor(now, MINUTE, this.limits.perMinute), this.waitFor(now, DAY, this.limits.perDay)];
    const retryAfterMs = Math.max(...waits);
    if (retryAfterMs > 0) return { granted: false, retryAfterMs };
    this.log.push(now);
    return { granted: true };
  }

  /** Requests made in the last minute and day, for /providers. */
  usage(now: number): { lastMinute: number; lastDay: number } {
    this.forget(now);
    return { lastMinute: this.log.filter((at) => at > now - MINUTE).length, lastDay: this.log.length };
  }

  snapshot(): number[] {
    return [...this.log];
  }

  private waitFor(now: number, span: number, limit: number | undefined): number {
    if (limit === undefined) return 0;
    const inSpan = this.log.filter((at) => at > now - span);
    if (inSpan.length < limit) return 0;
    // The oldest request that keeps us at the limit must leave the window first.
    return inSpan[inSpan.length - limit]! + span - now;
  }

  private forget(now: number): void {
    const horizon = now - (this.limits.perDay !== undefined ? DAY : MINUTE);
    const firstKept = this.log.findIndex((at) => at > horizon);
    this.log = firstKept === -1 ? [] : this.log.slice(firstKept);
  }
}
