import { describe, expect, it } from "vitest";
import { emptyHealth, FAILING_PROBE_MS, healthReport, healthStatus, isAvailable, recordOutcome } from "../../src/coordinator/health";

describe("provider health", () => {
  it("is unknown before any request and ok after a success", () => {
    const state = emptyHealth();
    expect(healthStatus(state, 0)).toBe("unknown");
    expect(healthStatus(recordOutcome(state, { kind: "ok", at: 1, latencyMs: 40 }), 2)).toBe("ok");
  });

  it("is rate_limited until the provider's Retry-After has passed", () => {
    const state = recordOutcome(emptyHealth(), { kind: "rate_limited", at: 1000, retryAfterMs: 5000 });
    expect(healthStatus(state, 5999)).toBe("rate_limited");
    expect(isAvailable(state, 5999)).toBe(false);
    expect(isAvailable(state, 6001)).toBe(true);
  });

  it("is failing after three failures in a row, and gets a probe every FAILING_PROBE_MS", () => {
    let state = emptyHealth();
    for (const at of [1, 2, 3]) state = recordOutcome(state, { kind: "failing", at, error: "provider_error: HTTP 500" });
    expect(healthStatus(state, 4)).toBe("failing");
    expect(isAvailable(state, 4)).toBe(false);
    expect(isAvailable(state, 3 + FAILING_PROBE_MS)).toBe(true);

    state = recordOutcome(state, { kind: "ok", at: 3 + FAILING_PROBE_MS, latencyMs: 10 });
    expect(healthStatus(state, 4 + FAILING_PROBE_MS)).toBe("ok");
  });

  it("reports recent outcomes, mean latency and the last error", () => {
    let state = emptyHealth();
    state = recordOutcome(state, { kind: "ok", at: 1, latencyMs: 10 });
    state = recordOutcome(state, { kind: "ok", at: 2, latencyMs: 30 });
    state = recordOutcome(state, { kind: "failing", at: 3, error: "provider_timeout" });
    expect(healthReport(state, 4)).toMatchObject({
      status: "failing",
      consecutive_failures: 1,
      latency_ms: 20,
      last_error: "provider_timeout",
      recent: { ok: 2, rate_limited: 0, failing: 1 },
    });
  });
});
