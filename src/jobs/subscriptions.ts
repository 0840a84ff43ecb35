/**
 * Which jobs need one symbol polled, and how often: the smallest interval any of them asks for.
 * Kept by whoever runs the loop (a symbol object, or a provider's batch coordinator).
 */
export interface Subscription {
  interval: number;
  /** The job named its provider: no failover. */
  pinned: boolean;
}

export type Subscriptions = Record<string, Subscription>;

export function loopInterval(subscriptions: Subscriptions): number | null {
  const intervals = Object.values(subscriptions).map((subscription) => subscription.interval);
  return intervals.length ? Math.min(...intervals) : null;
}

export function jobIds(subscriptions: Subscriptions): string[] {
  return Object.keys(subscriptions);
}

/** Fail over only when some job asking for this symbol left the provider open. */
export function mayFailOver(subscriptions: Subscriptions): boolean {
  return Object.values(subscriptions).some((subscription) => !subscription.pinned);
}

/** The next time a loop of `intervalSeconds` is due after a poll that was due at `dueAt`, never in the past. */
export function nextDue(dueAt: number, intervalSeconds: number, now: number): number {
  const next = dueAt + intervalSeconds * 1000;
  return next > now ? next : now + intervalSeconds * 1000;
}

export function withoutJob(subscriptions: Subscriptions, jobId: string): Subscriptions {
  return Object.fromEntries(Object.entries(subscriptions).filter(([id]) => id !== jobId));
}

export function withoutJobs(subscriptions: Subscriptions, stopped: ReadonlySet<string>): Subscriptions {
  return Object.fromEntries(Object.entries(subscriptions).filter(([id]) => !stopped.has(id)));
}
