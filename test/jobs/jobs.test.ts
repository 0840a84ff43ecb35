import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { providerClient } from "../../src/objects/provider";
import worker from "../../src/index";
import { call, postJson, uniqueSymbol } from "../support/api";
import { eventually, job, sleep, startJob, stopJob, storedPoints, type JobBody } from "../support/jobs";
import { requestsMatching, whenRequested } from "../support/scenario";

describe("POST /prices/poll", () => {
  it("accepts a job with 202 and its id, and lists it", async () => {
    const symbols = [uniqueSymbol("J"), uniqueSymbol("J")];
    const answer = await postJson("/prices/poll", { symbols: symbols.map((s) => s.toLowerCase()), interval: 60, provider: "synthetic" });

    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ job_id: expect.any(String), status: "accepted", config: { symbols, interval: 60, provider: "synthetic" } });
    const id = (answer.body as { job_id: string }).job_id;
    expect(await job(id)).toMatchObject({ job_id: id, status: "active", config: { symbols }, runs: expect.any(Number), errors: 0 });
    const list = await call<{ jobs: JobBody[] }>("/prices/poll");
    expect(list.body.jobs.map((listed) => listed.job_id)).toContain(id);
    await stopJob(id);
  });

  it("uses DEFAULT_PROVIDER when the job names none", async () => {
    const id = await startJob({ symbols: [uniqueSymbol("D")], interval: 60 });
    expect((await job(id)).config.provider).toBe("synthetic");
    await stopJob(id);
  });

  it.each([
    ["no symbols", { symbols: [], interval: 5 }],
    ["an invalid symbol", { symbols: ["AA PL"], interval: 5 }],
    ["interval 0", { symbols: ["AAPL"], interval: 0 }],
    ["interval above a day", { symbols: ["AAPL"], interval: 86_401 }],
    ["a fractional interval", { symbols: ["AAPL"], interval: 1.5 }],
    ["an interval as a string", { symbols: ["AAPL"], interval: "60" }],
    ["an unknown provider", { symbols: ["AAPL"], interval: 60, provider: "bloomberg" }],
    ["an unknown field", { symbols: ["AAPL"], interval: 60, cron: "* * * * *" }],
    ["an interval below the provider's minimum", { symbols: ["AAPL"], interval: 1, provider: "alpha_vantage" }],
    ["more symbols than a job may poll (MAX_SYMBOLS_PER_JOB)", { symbols: Array.from({ length: 201 }, (_, i) => `S${i}`), interval: 60 }],
  ])("rejects %s with 422", async (_case, body) => {
    const answer = await postJson("/prices/poll", body);
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ error: { code: "invalid_request", message: expect.any(String) } });
  });

  it("rejects a body that is not JSON with 400", async () => {
    const answer = await call("/prices/poll", { method: "POST", headers: { "content-type": "application/json" }, body: "{symbols:" });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: "malformed_json" } });
  });
});

describe("GET and DELETE /prices/poll/{job_id}", () => {
  it("answers 404 job_not_found for an unknown job", async () => {
    for (const method of ["GET", "DELETE"]) {
      const answer = await call(`/prices/poll/${crypto.randomUUID()}`, { method });
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ error: { code: "job_not_found" } });
    }
  });

  it("stops a job, and stopping it again answers it unchanged", async () => {
    const id = await startJob({ symbols: [uniqueSymbol("X")], interval: 60, provider: "synthetic" });
    const stopped = await stopJob(id);
    expect(stopped).toMatchObject({ job_id: id, status: "stopped", stopped_at: expect.any(String) });
    const again = await stopJob(id);
    expect(again).toMatchObject({ job_id: id, status: "stopped", stopped_at: stopped.stopped_at });
    expect(await job(id)).toEqual(again);
  });
});

describe("polling loops", () => {
  it("a 1-second synthetic job grows history by about a point per second per symbol, and runs advance", async () => {
    const symbols = [uniqueSymbol("L"), uniqueSymbol("L")];
    const id = await startJob({ symbols, interval: 1, provider: "synthetic" });

    await sleep(3_500);
    for (const symbol of symbols) {
      const history = await call<{ points: { timestamp: string }[] }>(`/prices/history?symbol=${symbol}&provider=synthetic`);
      expect(history.body.points.length).toBeGreaterThanOrEqual(3);
      expect(history.body.points.length).toBeLessThanOrEqual(5);
    }
    const running = await job(id);
    expect(running.runs).toBeGreaterThanOrEqual(6);
    expect(running.last_run_at).not.toBeNull();
    await sleep(1_100);
    expect((await job(id)).runs).toBeGreaterThan(running.runs);
    await stopJob(id);
  });

  it("DELETE stops new points unless another active job still needs the symbol", async () => {
    const shared = uniqueSymbol("K");
    const only = uniqueSymbol("K");
    const first = await startJob({ symbols: [shared, only], interval: 1, provider: "synthetic" });
    const second = await startJob({ symbols: [shared], interval: 1, provider: "synthetic" });
    await eventually(async () => expect(await storedPoints(only, "synthetic")).toBeGreaterThanOrEqual(1));

    await stopJob(first);
    await sleep(300); // a poll already under way may still land
    const onlyAfterStop = await storedPoints(only, "synthetic");
    const sharedAfterStop = await storedPoints(shared, "synthetic");
    await sleep(2_200);

    expect(await storedPoints(only, "synthetic")).toBe(onlyAfterStop);
    expect(await storedPoints(shared, "synthetic")).toBeGreaterThan(sharedAfterStop);
    await stopJob(second);
  });

  it("counts provider failures (500, garbage, timeout) in the job, keeps polling, and resumes when the provider recovers", async () => {
    const symbol = uniqueSymbol("F");
    await whenRequested({
      match: `/finnhub/api/v1/quote?symbol=${symbol}`,
      responses: [{ status: 500, body: "oops" }, { status: 200, body: "<<garbage>>" }, { hang: true }, { fixture: "finnhub/quote_aapl_2020-08-18_legacy_no_d_dp.json" }],
    });
    const id = await startJob({ symbols: [symbol], interval: 1, provider: "finnhub" });

    const recovered = await eventually(async () => {
      const current = await job(id);
      expect(current.errors).toBe(3);
      expect(current.runs).toBeGreaterThanOrEqual(4);
      return current;
    }, 15_000);
    expect(recovered.last_error).toMatch(/provider_(error|timeout)/);
    // Points reach D1 at the object's next flush (HISTORY_FLUSH_SECONDS).
    await eventually(async () => expect(await storedPoints(symbol, "finnhub")).toBe(1));
    const latest = await call(`/prices/latest?symbol=${symbol}&provider=finnhub`);
    expect(latest.status).toBe(200);
    await stopJob(id);
  });

  it("backs off while the provider rate-limits, instead of asking every interval", async () => {
    const symbol = uniqueSymbol("B");
    await whenRequested({ match: `/finnhub/api/v1/quote?symbol=${symbol}`, responses: [{ status: 429, body: "{}", headers: { "retry-after": "3" } }] });
    const id = await startJob({ symbols: [symbol], interval: 1, provider: "finnhub" });

    await sleep(2_500);
    expect(await requestsMatching(`quote?symbol=${symbol}`)).toHaveLength(1);
    expect(await job(id)).toMatchObject({ errors: 1, last_error: expect.stringContaining("provider_rate_limited") });
    await stopJob(id);
  });

  it("polls 200 symbols of a batch provider with ceil(200 / 100) requests per round", async () => {
    const symbols = Array.from({ length: 200 }, () => uniqueSymbol("Q"));
    const marker = symbols[0]!;
    await whenRequested({
      match: "/binance/api/v3/ticker/price?symbols=",
      responses: [{ json: symbols.map((symbol, index) => ({ symbol, price: `${100 + index}.50000000` })) }],
    });
    const id = await startJob({ symbols, interval: 3600, provider: "binance" });

    // The job's first round runs on the coordinator's alarm right away; 200 symbol objects wake for it, which
    // takes seconds on a loaded 2-core machine.
    await eventually(async () => expect(await job(id)).toMatchObject({ runs: 200, errors: 0, last_error: null }), 25_000);

    const ours = (await requestsMatching("/binance/api/v3/ticker/price?symbols=")).filter((request) =>
      symbols.some((symbol) => decodeURIComponent(request.url).includes(`"${symbol}"`)),
    );
    expect(ours).toHaveLength(Math.ceil(200 / 100));
    const asked = ours.flatMap((request) => JSON.parse(new URL(request.url, "http://x").searchParams.get("symbols")!) as string[]);
    expect(asked.sort()).toEqual([...symbols].sort());
    await eventually(async () => expect(await storedPoints(marker, "binance")).toBe(1));
    const latest = await call<{ price: number }>(`/prices/latest?symbol=${marker}&provider=binance`);
    expect(latest.body.price).toBe(100.5);
    await stopJob(id);
  }, 40_000);
});

describe("cron watchdog", () => {
  it("re-arms the loop of an active job that stopped running, with no new POST", async () => {
    const symbol = uniqueSymbol("W");
    const id = await startJob({ symbols: [symbol], interval: 1, provider: "synthetic" });
    // Synthetic quotes many symbols per request, so its coordinator runs the loop.
    const coordinator = providerClient(env, "synthetic");
    // A lost loop: the coordinator forgets the subscription (as after a restore), the job row stays active.
    await coordinator.unsubscribe([symbol], id);
    await env.DB.prepare("UPDATE poll_jobs SET created_at = created_at - 600000, last_run_at = ? WHERE id = ?").bind(Date.now() - 600_000, id).run();
    const before = await storedPoints(symbol, "synthetic");
    await sleep(1_500);
    expect(await storedPoints(symbol, "synthetic")).toBe(before);

    const controller = createScheduledController({ scheduledTime: new Date(), cron: "* * * * *" });
    const ctx = { waitUntil: (promise: Promise<unknown>) => promise, passThroughOnException: () => undefined, props: {} } as unknown as ExecutionContext;
    await worker.scheduled(controller, env, ctx);

    await eventually(async () => expect(await storedPoints(symbol, "synthetic")).toBeGreaterThan(before + 1));
    await stopJob(id);
  });

  it("prunes raw responses older than RAW_RETENTION_DAYS and keeps the points", async () => {
    const symbol = uniqueSymbol("O");
    await call(`/poll/${symbol}`, { method: "POST" });
    await env.DB.prepare("UPDATE raw_responses SET fetched_at = ? WHERE symbols = ?").bind(Date.now() - 31 * 86_400_000, symbol).run();

    const controller = createScheduledController({ scheduledTime: new Date(), cron: "* * * * *" });
    const pending: Promise<unknown>[] = [];
    const ctx = { waitUntil: (promise: Promise<unknown>) => pending.push(promise), passThroughOnException: () => undefined, props: {} } as unknown as ExecutionContext;
    await worker.scheduled(controller, env, ctx);
    await Promise.all(pending);

    const raws = await env.DB.prepare("SELECT count(*) AS n FROM raw_responses WHERE symbols = ?").bind(symbol).first();
    expect(raws).toEqual({ n: 0 });
    expect(await storedPoints(symbol, "synthetic")).toBe(1);
  });
});
