import type { WireError } from "../errors";

/**
 * A provider's recent outcomes, for /providers, /health and failover. A provider is "rate_limited" while
 * the Retry-After it (or our own budget) gave has not passed, "failing" after several failures in a row,
 * and gets a probe request every FAILING_PROBE_MS so that traffic returns when it recovers.
 */
export type OutcomeKind = "ok" | "rate_limited" | "failing";
export type HealthStatus = "ok" | "rate_limited" | "failing" | "unknown";

export interface PollOutcome {
  kind: OutcomeKind;
  at: number;
  latencyMs?: number;
  /** Retry-After of a rate-limit, in ms. */
  retryAfterMs?: number;
  error?: string;
}

export interface HealthState {
  recent: PollOutcome[];
  consecutiveFailures: number;
  rateLimitedUntil: number | null;
  lastFailureAt: number | null;
  lastOkAt: number | null;
  lastError: string | null;
}

export interface HealthReport {
  status: HealthStatus;
  available: boolean;
  consecutive_failures: number;
  rate_limited_until: string | null;
  last_ok_at: string | null;
  last_error: string | null;
  latency_ms: number | null;
  recent: { ok: number; rate_limited: number; failing: number };
}

const RECENT_OUTCOMES = 20;
const FAILING_AFTER = 3;
export const FAILING_PROBE_MS = 30_000;

/**
 * How a failed request reflects on its provider — the one mapping from errors to health: a symbol the
 * provider does not know is an answer, not a fault; a rate limit lasts its Retry-After; anything else counts
 * towards "failing".
 */
export function outcomeOfFailure(error: WireError, at: number): PollOutcome {
  if (isAboutTheSymbol(error)) return { kind: "ok", at };
  if (error.code === "provider_rate_limited") {
    const retryAfter = error.extras.retry_after;
    return { kind: "rate_limited", at, error: error.message, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter * 1000 } : {}) };
  }
  return { kind: "failing", at, error: `${error.code}: ${error.message}` };
}

/** A failure that is the symbol's, not the provider's: unknown to it, or refused as malformed (providers/http.ts). */
export function isAboutTheSymbol(error: WireError): boolean {
  if (error.code === "symbol_not_found") return true;
  const details = error.extras.details;
  return typeof details === "object" && details !== null && "rejected_symbol" in details;
}

export function emptyHealth(): HealthState {
  return { recent: [], consecutiveFailures: 0, rateLimitedUntil: null, lastFailureAt: null, lastOkAt: null, lastError: null };
}

export function recordOutcome(state: HealthState, outcome: PollOutcome): HealthState {
  const recent = [...state.recent, outcome].slice(-RECENT_OUTCOMES);
  if (outcome.kind === "ok") {
    return { ...state, recent, consecutiveFailures: 0, rateLimitedUntil: null, lastOkAt: outcome.at };
  }
  return {
    ...state,
    recent,
    consecutiveFailures: state.consecutiveFailures + 1,
    lastFailureAt: outcome.at,
    lastError: outcome.error ?? outcome.kind,
    rateLimitedUntil:
      outcome.kind === "rate_limited" ? Math.max(state.rateLimitedUntil ?? 0, outcome.at + (outcome.retryAfterMs ?? 60_000)) : state.rateLimitedUntil,
  };
}

export function healthStatus(state: HealthState, now: number): HealthStatus {
  if (state.rateLimitedUntil !== null && state.rateLimitedUntil > now) return "rate_limited";
  if (state.consecutiveFailures >= FAILING_AFTER) return "failing";
  if (state.recent.length === 0) return "unknown";
  return state.recent[state.recent.length - 1]!.kind === "ok" ? "ok" : "failing";
}

/** Whether a request that may fail over should try this provider now (a failing one gets periodic probes). */
export function isAvailable(state: HealthState, now: number): boolean {
  const status = healthStatus(state, now);
  if (status === "rate_limited") return false;
  if (status === "failing" && state.consecutiveFailures >= FAILING_AFTER) {
    return state.lastFailureAt === null || now - state.lastFailureAt >= FAILING_PROBE_MS;
  }
  return true;
}

export function healthReport(state: HealthState, now: number): HealthReport {
  const latencies = state.recent.flatMap((outcome) => (outcome.kind === "ok" && outcome.latencyMs !== undefined ? [outcome.latencyMs] : []));
  const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
  const count = (kind: OutcomeKind) => state.recent.filter((outcome) => outcome.kind === kind).length;
  return {
    status: healthStatus(state, now),
    available: isAvailable(state, now),
    consecutive_failures: state.consecutiveFailures,
    rate_limited_until: state.rateLimitedUntil !== null && state.rateLimitedUntil > now ? iso(state.rateLimitedUntil) : null,
    last_ok_at: iso(state.lastOkAt),
    last_error: state.lastError,
    latency_ms: latencies.length ? Math.round(latencies.reduce((sum, value) => sum + value, 0) / latencies.length) : null,
    recent: { ok: count("ok"), rate_limited: count("rate_limited"), failing: count("failing") },
  };
}
