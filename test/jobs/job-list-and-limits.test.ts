/**
 * Jobs at the deployment's limits (issue: MAX_ACTIVE_JOBS was check-then-insert; the job list hid jobs):
 * the limit holds under a burst of concurrent creations; a job whose loops fail to start is stopped before the
 * client hears 503; the list filters by status and walks page by page without repeats or gaps; stopped jobs
 * are purged after JOB_RETENTION_DAYS.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { runWatchdog } from "../../src/jobs/watchdog";
import { BASE, call, postJson, uniqueSymbol } from "../support/api";
import { stopJob, type JobBody } from "../support/jobs";

const app = createApp();

async function activeJobs(): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM poll_jobs WHERE status = 'active'").first<{ n: number }>();
  return row?.n ?? 0;
}

function createWith(settings: Record<string, unknown>) {
  return app.request(
    `${BASE}/prices/poll`,
    { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ symbols: [uniqueSymbol("B")], interval: 60, provider: "synthetic" }) },
    { ...env, ...settings },
  );
}

interface JobsPage {
  jobs: JobBody[];
  next_cursor: string | null;
}

describe("MAX_ACTIVE_JOBS", () => {
  it("holds under a burst of concurrent creations", async () => {
    const before = await activeJobs();
    const answers = await Promise.all(Array.from({ length: 12 }, () => createWith({ MAX_ACTIVE_JOBS: String(before + 3) })));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 202)).toHaveLength(3);
    expect(statuses.filter((status) => status === 422)).toHaveLength(9);
    expect(await activeJobs()).toBe(before + 3);
    for (const answer of answers.filter((answer) => answer.status === 202)) {
      await stopJob(((await answer.json()) as { job_id: string }).job_id);
    }
  });

  it("leaves no job active whose loops failed to start", async () => {
    const before = await activeJobs();
    const failing = {
      idFromName: (name: string) => env.PROVIDER_OBJECT.idFromName(name),
      get: () => ({ subscribe: () => Promise.reject(new Error("object unreachable")), unsubscribe: () => Promise.resolve() }),
    };
    const answer = await createWith({ PROVIDER_OBJECT: failing });
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).not.toBeNull();
    expect(await answer.json()).toMatchObject({ error: { code: "service_unavailable" } });
    expect(await activeJobs()).toBe(before);
    const stopped = await env.DB.prepare("SELECT status, last_error FROM poll_jobs ORDER BY created_at DESC LIMIT 1").first<{ status: string; last_error: string }>();
    expect(stopped).toEqual({ status: "stopped", last_error: expect.stringContaining("could not start") });
  });
});

describe("GET /prices/poll", () => {
  async function walk(query: string, onPage?: () => Promise<void>): Promise<JobBody[]> {
    const seen: JobBody[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: JobsPage } = await call<JobsPage>(`/prices/poll?${query}${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.jobs);
      cursor = page.body.next_cursor;
      await onPage?.();
    } while (cursor !== null);
    return seen;
  }

  it("filters by status and pages without repeats or gaps, also while jobs are created", async () => {
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const answer = await postJson("/prices/poll", { symbols: [uniqueSymbol("L")], interval: 60, provider: "synthetic" });
      created.push(String(answer.body.job_id));
    }
    // An old active job behind newer stopped ones must still be found.
    for (const id of created.slice(1)) await stopJob(id);
    const everyJob = new Set((await walk("limit=1000")).map((job) => job.job_id));

    const walked = await walk("limit=2", async () => {
      const answer = await postJson("/prices/poll", { symbols: [uniqueSymbol("N")], interval: 60, provider: "synthetic" });
      await stopJob(String(answer.body.job_id));
    });
    const ids = walked.map((job) => job.job_id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of everyJob) expect(ids).toContain(id);

    const active = await walk("status=active&limit=3");
    expect(active.every((job) => job.status === "active")).toBe(true);
    expect(active.map((job) => job.job_id)).toContain(created[0]);
    const stopped = await walk("status=stopped&limit=3");
    expect(stopped.every((job) => job.status === "stopped")).toBe(true);
    for (const id of created.slice(1)) expect(stopped.map((job) => job.job_id)).toContain(id);
    await stopJob(created[0]!);
  });

  it.each([["a cursor that is not one", "cursor=nope!"], ["a forged cursor", `cursor=${btoa('["x"]')}`], ["an unknown status", "status=paused"], ["limit 0", "limit=0"]])(
    "rejects %s with 422",
    async (_case, query) => {
      const answer = await call(`/prices/poll?${query}`);
      expect(answer.status).toBe(422);
    },
  );
});

describe("retention of stopped jobs", () => {
  it("the cron deletes jobs stopped more than JOB_RETENTION_DAYS ago, and no active job", async () => {
    const old = String((await postJson("/prices/poll", { symbols: [uniqueSymbol("R")], interval: 60, provider: "synthetic" })).body.job_id);
    const recent = String((await postJson("/prices/poll", { symbols: [uniqueSymbol("R")], interval: 60, provider: "synthetic" })).body.job_id);
    const active = String((await postJson("/prices/poll", { symbols: [uniqueSymbol("R")], interval: 60, provider: "synthetic" })).body.job_id);
    await stopJob(old);
    await stopJob(recent);
    await env.DB.prepare("UPDATE poll_jobs SET stopped_at = ?, created_at = ? WHERE id = ?").bind(Date.now() - 31 * 86_400_000, Date.now() - 40 * 86_400_000, old).run();

    const report = await runWatchdog(env);

    expect(report.purgedStoppedJobs).toBeGreaterThanOrEqual(1);
    expect((await call(`/prices/poll/${old}`)).status).toBe(404);
    expect((await call(`/prices/poll/${recent}`)).status).toBe(200);
    expect((await call<JobBody>(`/prices/poll/${active}`)).body.status).toBe("active");
    await stopJob(active);
  });
});
