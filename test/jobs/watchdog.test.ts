import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { providerClient } from "../../src/objects/provider";
import { jobsLookingStalled } from "../../src/jobs/store";
import { runWatchdog } from "../../src/jobs/watchdog";
import { database } from "../../src/store/db";
import { call, uniqueSymbol } from "../support/api";
import { eventually, job, startJob, stopJob, storedPoints } from "../support/jobs";
import { whenRequested } from "../support/scenario";

const TEN_MINUTES = 600_000;

/** Make a job look as if it was created and last ran ten minutes ago. */
async function agedTenMinutes(id: string): Promise<void> {
  await env.DB.prepare("UPDATE poll_jobs SET created_at = created_at - ?, last_run_at = ? WHERE id = ?").bind(TEN_MINUTES, Date.now() - TEN_MINUTES, id).run();
}

describe("cron watchdog, one job at a time", () => {
  it("re-arms the other jobs and prunes even when one job's loops cannot be started", async () => {
    // A job of a provider this version no longer has: starting its loops throws.
    const broken = crypto.randomUUID();
    await env.DB.prepare(
      "INSERT INTO poll_jobs (id, status, symbols, interval, provider, pinned, created_at, runs, errors) VALUES (?, 'active', ?, 60, 'retired_provider', 1, ?, 0, 0)",
    )
      .bind(broken, JSON.stringify([uniqueSymbol("Z")]), Date.now() - TEN_MINUTES)
      .run();
    // A lost loop: the coordinator forgot the subscription, the job row stays active.
    const symbol = uniqueSymbol("L");
    const lost = await startJob({ symbols: [symbol], interval: 1, provider: "synthetic" });
    await providerClient(env, "synthetic").unsubscribe([symbol], lost);
    await agedTenMinutes(lost);
    // A raw response past RAW_RETENTION_DAYS.
    const old = uniqueSymbol("O");
    await call(`/poll/${old}`, { method: "POST" });
    await env.DB.prepare("UPDATE raw_responses SET fetched_at = ? WHERE symbols = ?").bind(Date.now() - 31 * 86_400_000, old).run();
    const before = await storedPoints(symbol, "synthetic");

    const report = await runWatchdog(env);

    expect(report.prunedRawResponses).toBeGreaterThanOrEqual(1);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM raw_responses WHERE symbols = ?").bind(old).first()).toEqual({ n: 0 });
    await eventually(async () => expect(await storedPoints(symbol, "synthetic")).toBeGreaterThan(before + 1));
    await env.DB.prepare("DELETE FROM poll_jobs WHERE id = ?").bind(broken).run();
    await stopJob(lost);
  });

  it("leaves alone a job that is backing off from a rate limit on purpose", async () => {
    const symbol = uniqueSymbol("B");
    await whenRequested({ match: `/finnhub/api/v1/quote?symbol=${symbol}`, responses: [{ status: 429, body: "{}", headers: { "retry-after": "600" } }] });
    const id = await startJob({ symbols: [symbol], interval: 1, provider: "finnhub" });
    await eventually(async () => expect(await job(id)).toMatchObject({ errors: 1, last_error: expect.stringContaining("provider_rate_limited") }));
    // Ten minutes without a run would be a lost loop for a 1-second job, but this one waits for Retry-After.
    await agedTenMinutes(id);

    const stalled = await jobsLookingStalled(database(env.DB), Date.now(), 60_000);
    expect(stalled.map((candidate) => candidate.id)).not.toContain(id);
    await stopJob(id);
  });
});
