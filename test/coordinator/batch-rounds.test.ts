import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { DUPLICATE_ANSWER_SAMPLE_MS } from "../../src/coordinator/raw-answers";
import { providerObject } from "../../src/objects/provider";
import { symbolObject } from "../../src/objects/symbol";
import { database, type Database } from "../../src/store/db";
import { providerHealth, uniqueSymbol } from "../support/api";
import { recordingD1 } from "../support/d1";
import { eventually, job, startJob, stopJob, storedPoints } from "../support/jobs";
import { requestsMatching, whenRequested } from "../support/scenario";

const BINANCE_INVALID_SYMBOL = "binance/error_invalid_symbol_doc_example.json";
/** Binance's answer to a malformed symbol, as its errors documentation gives it (no recording exists). */
const BINANCE_ILLEGAL_CHARACTERS = {
  code: -1100,
  msg: "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'.",
};

/** Symbols sharing a tag, so one fixture rule prices all of them (and nothing of other tests). */
function taggedSymbols(count: number): { tag: string; symbols: string[] } {
  const tag = uniqueSymbol("G");
  return { tag, symbols: Array.from({ length: count }, (_, index) => `${tag}K${index}`) };
}

async function priceAll(tag: string, symbols: readonly string[]): Promise<void> {
  await whenRequested({ match: tag, responses: [{ json: symbols.map((symbol, index) => ({ symbol, price: `${10 + index}.25000000` })) }] });
}

/** A coordinator of its own (no name: nothing else reaches it), so a test sees only its own subscriptions. */
function ownCoordinator() {
  return env.PROVIDER_OBJECT.get(env.PROVIDER_OBJECT.newUniqueId());
}

describe("batch rounds with a symbol the provider rejects", () => {
  it("splits a batch Binance rejects for one unknown symbol: the others keep their points, only its job counts the error", async () => {
    const { tag, symbols: known } = taggedSymbols(4);
    const unknown = `${tag}X`;
    await priceAll(tag, known);
    // Newest rules win: any request naming the unknown symbol is rejected whole, as Binance does.
    await whenRequested({ match: unknown, responses: [{ fixture: BINANCE_INVALID_SYMBOL }] });
    const withUnknown = await startJob({ symbols: [known[0]!, unknown, known[1]!], interval: 1, provider: "binance" });
    const other = await startJob({ symbols: [known[2]!, known[3]!], interval: 1, provider: "binance" });

    await eventually(async () => expect((await job(other)).runs).toBeGreaterThanOrEqual(6), 15_000);
    expect(await job(other)).toMatchObject({ errors: 0, last_error: null });
    await eventually(async () => {
      for (const symbol of known) expect(await storedPoints(symbol, "binance")).toBeGreaterThanOrEqual(2);
    });
    // Found once, then quarantined: asked alone and rarely, so it never fails a batch again.
    expect(await job(withUnknown)).toMatchObject({ errors: 1, last_error: expect.stringContaining(unknown) });
    expect((await job(withUnknown)).runs).toBeGreaterThanOrEqual(5);
    const lastRequest = (await requestsMatching(tag)).at(-1)!;
    expect(lastRequest.url).not.toContain(unknown);
    expect(await providerHealth("binance")).toMatchObject({ consecutive_failures: 0 });
    await stopJob(withUnknown);
    await stopJob(other);
  });

  it("takes a malformed symbol (-1100) as that symbol's error: Binance is not failing and nothing fails over", async () => {
    const { tag, symbols: known } = taggedSymbols(2);
    const malformed = `${tag}M`;
    await priceAll(tag, known);
    await whenRequested({ match: malformed, responses: [{ status: 400, json: BINANCE_ILLEGAL_CHARACTERS }] });
    const id = await startJob({ symbols: [known[0]!, malformed, known[1]!], interval: 1, provider: "binance" });

    await eventually(async () => expect((await job(id)).runs).toBeGreaterThanOrEqual(5), 15_000);
    // In D1 at the symbol objects' next flush (HISTORY_FLUSH_SECONDS).
    await eventually(async () => {
      for (const symbol of known) expect(await storedPoints(symbol, "binance")).toBeGreaterThanOrEqual(1);
    });
    expect(await job(id)).toMatchObject({ errors: 1, last_error: expect.stringContaining("Illegal characters") });
    const health = await providerHealth("binance");
    expect(health.status).not.toBe("failing");
    expect(health.consecutive_failures).toBe(0);
    await stopJob(id);
  });

  it("records a round's job counts in one statement, however many symbols failed", async () => {
    const { tag, symbols } = taggedSymbols(4);
    // A 200 answer that leaves two of the four symbols out: two per-symbol failures in one round.
    await priceAll(tag, symbols.slice(0, 2));
    const statements: string[] = [];
    await runInDurableObject(ownCoordinator(), async (instance) => {
      (instance as unknown as { db: Database }).db = database(recordingD1(env.DB, statements));
      await instance.subscribe("binance", symbols, crypto.randomUUID(), { interval: 3600, pinned: true });
      await instance.alarm();
    });
    expect(statements.filter((statement) => /update\s+"?poll_jobs"?/i.test(statement))).toHaveLength(1);
  });
});

describe("the coordinator's subscriptions", () => {
  it("are rows in its own storage, one per job × symbol, not one value that grows with them", async () => {
    const coordinator = providerObject(env, "synthetic");
    const shared = uniqueSymbol("R");
    const first = await startJob({ symbols: [shared, uniqueSymbol("R"), uniqueSymbol("R")], interval: 3600, provider: "synthetic" });
    const second = await startJob({ symbols: [shared, uniqueSymbol("R")], interval: 3600, provider: "synthetic" });

    const stored = await runInDurableObject(coordinator, (_instance, state) => ({
      rows: state.storage.sql
        .exec<{ n: number }>("SELECT count(*) AS n FROM subscriptions WHERE job_id IN (?, ?)", first, second)
        .one().n,
      sharedRows: state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM subscriptions WHERE symbol = ?", shared).one().n,
      largestValue: Math.max(...[...state.storage.kv.list()].map(([, value]) => JSON.stringify(value).length)),
    }));
    expect(stored).toMatchObject({ rows: 5, sharedRows: 2 });
    // Budget log and health are bounded; no stored value holds the subscriptions.
    expect(stored.largestValue).toBeLessThan(100_000);
    await stopJob(first);
    await stopJob(second);
  });

  it("keeps a job that subscribes while the coordinator checks which jobs stopped", async () => {
    const coordinator = ownCoordinator();
    const stopped = await startJob({ symbols: [uniqueSymbol("S")], interval: 3600, provider: "synthetic" });
    await stopJob(stopped);
    const active = await startJob({ symbols: [uniqueSymbol("S")], interval: 3600, provider: "synthetic" });
    await coordinator.subscribe("synthetic", [uniqueSymbol("S")], stopped, { interval: 3600, pinned: true });

    await runInDurableObject(coordinator, async (instance, state) => {
      await state.storage.deleteAlarm();
      // The check of stopped jobs is due (it runs every few minutes); the new job subscribes during its D1 read.
      (instance as unknown as { round: { verifiedAt: number } }).round.verifiedAt = 0;
      const round = instance.alarm();
      await instance.subscribe("synthetic", [uniqueSymbol("S")], active, { interval: 3600, pinned: true });
      await round;
    });
    expect((await coordinator.status("synthetic")).polled_symbols).toBe(1);
    await stopJob(active);
  });
});

describe("the coordinator's schedule", () => {
  it("writes a due time only when it matters after a restart: a 1 s symbol's rounds write none, a 1 h symbol's each", async () => {
    const coordinator = ownCoordinator();
    const [fast, slow] = [uniqueSymbol("F"), uniqueSymbol("H")];
    await whenRequested({ match: fast, responses: [{ json: [{ symbol: fast, price: "10.25000000" }] }] });
    await whenRequested({ match: slow, responses: [{ json: [{ symbol: slow, price: "20.25000000" }] }] });
    const jobId = crypto.randomUUID();
    await env.DB.prepare("INSERT INTO poll_jobs (id, status, symbols, interval, provider, pinned, created_at, runs, errors) VALUES (?, 'active', ?, 1, 'binance', 1, ?, 0, 0)")
      .bind(jobId, JSON.stringify([fast, slow]), Date.now())
      .run();
    const subscribedAt = Date.now();
    const stored = await runInDurableObject(coordinator, async (instance, state) => {
      await instance.subscribe("binance", [fast], jobId, { interval: 1, pinned: true });
      await instance.subscribe("binance", [slow], jobId, { interval: 3600, pinned: true });
      await state.storage.deleteAlarm();
      await instance.alarm();
      const dueAt = (symbol: string) => state.storage.sql.exec<{ due_at: number }>("SELECT due_at FROM symbols WHERE symbol = ?", symbol).one().due_at;
      return { fast: dueAt(fast), slow: dueAt(slow), alarm: await state.storage.getAlarm() };
    });

    // The 1 s symbol's next due time lives in memory (a restart polls it at once); the 1 h one is stored.
    expect(stored.fast).toBeLessThanOrEqual(Date.now());
    expect(stored.fast).toBeGreaterThanOrEqual(subscribedAt);
    expect(stored.slow).toBeGreaterThan(Date.now() + 3_000_000);
    // The next round still comes a second later, from memory.
    expect(stored.alarm).toBeGreaterThan(Date.now());
    expect(stored.alarm).toBeLessThan(Date.now() + 2_000);
    await env.DB.prepare("UPDATE poll_jobs SET status = 'stopped', stopped_at = ? WHERE id = ?").bind(Date.now(), jobId).run();
    await coordinator.unsubscribe("binance", [fast, slow], jobId);
  });
});

describe("raw answers of batch rounds", () => {
  /** Raw answers stored for requests naming these symbols. */
  async function rawAnswersFor(tag: string): Promise<number> {
    const row = await env.DB.prepare("SELECT count(*) AS n FROM raw_responses WHERE symbols LIKE ?").bind(`%${tag}%`).first<{ n: number }>();
    return row?.n ?? 0;
  }

  it("stores an answer only when it brought a new point, and of the answers that brought none one per 10 minutes", async () => {
    const { tag, symbols } = taggedSymbols(3);
    await priceAll(tag, symbols);
    const coordinator = ownCoordinator();
    // An active job in D1, so the coordinator's check of stopped jobs keeps its symbols.
    const jobId = crypto.randomUUID();
    await env.DB.prepare("INSERT INTO poll_jobs (id, status, symbols, interval, provider, pinned, created_at, runs, errors) VALUES (?, 'active', ?, 3600, 'binance', 1, ?, 0, 0)")
      .bind(jobId, JSON.stringify(symbols), Date.now())
      .run();
    await runInDurableObject(coordinator, async (instance, state) => {
      await instance.subscribe("binance", symbols, jobId, { interval: 3600, pinned: true });
      await state.storage.deleteAlarm();
    });
    /** A round with every symbol due, as the coordinator's alarm runs it. */
    const round = () =>
      runInDurableObject(coordinator, (instance, state) => {
        state.storage.sql.exec("UPDATE symbols SET due_at = 0");
        return instance.alarm();
      });
    // Binance stamps a quote with the time its answer arrived: with the clock held, it answers the same quotes again.
    const start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(start);
      await round();
      await round();

      expect(await rawAnswersFor(tag)).toBe(1);

      // Ten minutes on, the symbols hold the quotes Binance is about to answer: nothing new, yet one answer is kept.
      const later = start + DUPLICATE_ANSWER_SAMPLE_MS;
      vi.setSystemTime(later);
      for (const [index, symbol] of symbols.entries()) {
        const target = { provider: "binance" as const, symbol };
        await symbolObject(env, target).ingest(target, { ...target, price: 10 + index + 0.25, timestamp: later }, { id: crypto.randomUUID(), fetchedAt: later });
      }
      await round();
      await round();

      expect(await rawAnswersFor(tag)).toBe(2);
    } finally {
      vi.useRealTimers();
    }
    await env.DB.prepare("UPDATE poll_jobs SET status = 'stopped', stopped_at = ? WHERE id = ?").bind(Date.now(), jobId).run();
  });
});
