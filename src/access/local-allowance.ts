/**
 * A client's allowance held in this isolate, so that a busy client does not cost one limiter-object call per
 * request (issue: the limiter's call halved what a fresh `latest` serves).
 *
 * The isolate asks the client's RateLimitObject for several requests at once and spends them locally for at most
 * LEASE_MS. How many: what this isolate saw the client send in the last LEASE_MS (its demand), at most a tenth
 * of what the bucket has left, at most MAX_LEASE; so a quiet client still asks once per request, and near its
 * limit every request asks the object. The bounds this keeps (README, limits):
 *   - never more admitted than the limit allows: a request is admitted only with a token the object granted;
 *     a token is spent within LEASE_MS of its grant, so over any span D at most limit × (1 + (D + LEASE_MS) / 1 min);
 *   - a granted token this isolate did not use within LEASE_MS is lost to the client: at most one lease per
 *     isolate, never more than a tenth of what was left, so a client is refused early by at most that much.
 * A refusal is remembered until the object said the next request would be admitted.
 */
import type { Grant } from "./rate-limit-object";

export const LEASE_MS = 1_000;
export const MAX_LEASE = 100;
/** Clients remembered per isolate; past it the oldest are forgotten (they ask the object again). */
const MAX_CLIENTS = 10_000;

export interface Taken {
  allowed: boolean;
  retryAfterSeconds: number;
  limit: number;
  remaining: number;
  /** Whole seconds until the bucket is full again. */
  resetSeconds: number;
}

interface Lease {
  perMinute: number;
  left: number;
  expiresAt: number;
  /** What the object said was left after its grant (RateLimit-Remaining counts down from it plus `left`). */
  remainingAfterGrant: number;
  fullAt: number;
  refusedUntil: number;
  /** Requests seen in the current LEASE_MS window and in the one before: the demand a grant is sized for. */
  windowStart: number;
  inWindow: number;
  lastWindow: number;
  pending: Promise<void> | undefined;
}

export type AskObject = (wanted: number) => Promise<Grant>;

const leases = new Map<string, Lease>();

function leaseOf(client: string, perMinute: number): Lease {
  let lease = leases.get(client);
  if (lease === undefined || lease.perMinute !== perMinute) {
    if (leases.size >= MAX_CLIENTS) {
      for (const name of [...leases.keys()].slice(0, MAX_CLIENTS / 10)) leases.delete(name);
    }
    lease = { perMinute, left: 0, expiresAt: 0, remainingAfterGrant: perMinute, fullAt: 0, refusedUntil: 0, windowStart: 0, inWindow: 0, lastWindow: 0, pending: undefined };
    leases.set(client, lease);
  }
  return lease;
}

function countRequest(lease: Lease, now: number): void {
  if (now - lease.windowStart >= LEASE_MS) {
    // A window without requests in between means no recent demand.
    lease.lastWindow = now - lease.windowStart < 2 * LEASE_MS ? lease.inWindow : 0;
    lease.windowStart = now;
    lease.inWindow = 0;
  }
  lease.inWindow++;
}

function wantedFor(lease: Lease): number {
  const demand = Math.max(lease.inWindow, lease.lastWindow);
  return Math.max(1, Math.min(MAX_LEASE, demand, Math.floor(lease.remainingAfterGrant / 10)));
}

async function refill(lease: Lease, ask: AskObject): Promise<void> {
  const wanted = wantedFor(lease);
  const grant = await ask(wanted);
  const now = Date.now();
  lease.fullAt = grant.fullAt;
  lease.remainingAfterGrant = grant.remaining;
  if (grant.allowed) {
    lease.left = grant.granted;
    lease.expiresAt = now + LEASE_MS;
  } else {
    lease.left = 0;
    lease.refusedUntil = now + grant.retryAfterSeconds * 1000;
  }
}

function spend(lease: Lease, now: number): Taken {
  lease.left--;
  return {
    allowed: true,
    retryAfterSeconds: 0,
    limit: lease.perMinute,
    remaining: lease.remainingAfterGrant + lease.left,
    resetSeconds: Math.max(0, Math.ceil((lease.fullAt - now) / 1000)),
  };
}

function refusal(lease: Lease, now: number): Taken {
  return {
    allowed: false,
    retryAfterSeconds: Math.max(1, Math.ceil((lease.refusedUntil - now) / 1000)),
    limit: lease.perMinute,
    remaining: 0,
    resetSeconds: Math.max(1, Math.ceil((lease.fullAt - now) / 1000)),
  };
}

/**
 * Take one request from the client's allowance, asking its object when the allowance is spent, expired, or
 * absent. Concurrent requests of one client share one call to the object. Errors of the object propagate.
 */
export async function takeRequest(client: string, perMinute: number, ask: AskObject): Promise<Taken> {
  const lease = leaseOf(client, perMinute);
  countRequest(lease, Date.now());
  // A few rounds: a refill shared with concurrent requests may be spent by them before this one gets a token.
  for (let round = 0; round < 3; round++) {
    const now = Date.now();
    if (now >= lease.expiresAt) lease.left = 0;
    if (lease.left > 0) return spend(lease, now);
    if (lease.refusedUntil > now) return refusal(lease, now);
    lease.pending ??= refill(lease, ask).finally(() => (lease.pending = undefined));
    await lease.pending;
  }
  // Still nothing after sharing: ask for this request alone.
  await refill(lease, () => ask(1));
  const now = Date.now();
  return lease.left > 0 ? spend(lease, now) : refusal(lease, now);
}

/** For tests: forget every allowance (each test's clients start afresh). */
export function forgetAllowances(): void {
  leases.clear();
}
