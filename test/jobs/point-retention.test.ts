/**
 * POINT_RETENTION_DAYS: the cron's housekeeping deletes points older than the retention, a bounded chunk per
 * run, except each symbol's newest MAX_WINDOW (1,000) points, which stay whatever their age.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_WINDOW } from "../../src/averages/price-window";
import { runHousekeeping } from "../../src/jobs/watchdog";
import { call, uniqueSymbol } from "../support/api";

const DAY_MS = 86_400_000;
/** Ten years: no other test stores points that old, so only this test's old points are within its reach. */
const RETENTION_DAYS = 3650;
const settings = { POINT_RETENTION_DAYS: String(RETENTION_DAYS) };
const withRetention = { ...env, ...settings };
/** 2001-09-09: far past the retention. */
const LONG_AGO = 1_000_000_000_000;

/** Points of `symbol` by the synthetic provider at these quote times, as the history flush stores them. */
async function storePoints(symbol: string, times: readonly number[]): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO price_points (symbol, provider, ts, price, raw_response_id, created_at)
     SELECT ?, 'synthetic', value, 100, 'seed', value FROM json_each(?)`,
  )
    .bind(symbol, JSON.stringify(times))
    .run();
}

async function storedTimes(symbol: string): Promise<number[]> {
  const rows = await env.DB.prepare("SELECT ts FROM price_points WHERE symbol = ? AND provider = 'synthetic' ORDER BY ts").bind(symbol).all<{ ts: number }>();
  return rows.results.map((row) => row.ts);
}

/** The cron's housekeeping, once a minute, until `done` (each run deletes a bounded share). */
async function housekeepUntil(done: () => Promise<boolean>): Promise<void> {
  // A pass of an earlier test run may be resting: this one starts from the first symbol.
  await env.DB.prepare("DELETE FROM housekeeping WHERE task = 'point-retention'").run();
  for (let run = 0; run < 200 && !(await done()); run++) await runHousekeeping(withRetention);
}

describe("point retention (POINT_RETENTION_DAYS)", () => {
  it("deletes a polled symbol's points older than the retention and keeps the newer ones", async () => {
    const symbol = uniqueSymbol("RT");
    const now = Date.now();
    const old = [LONG_AGO, LONG_AGO + 1_000, LONG_AGO + 2_000];
    const recent = Array.from({ length: MAX_WINDOW + 5 }, (_, index) => now - DAY_MS + index * 1_000);
    await storePoints(symbol, [...old, ...recent]);

    await housekeepUntil(async () => (await storedTimes(symbol))[0]! > LONG_AGO + 2_000);

    expect(await storedTimes(symbol)).toEqual(recent);
    const history = await call<{ points: unknown[]; next_cursor: string | null }>(`/prices/history?symbol=${symbol}&provider=synthetic&from=2001-01-01T00:00:00Z&to=2001-12-31T00:00:00Z`);
    expect(history.body.points).toEqual([]);
  });

  it("keeps a symbol's newest 1,000 points whatever their age: its moving average still answers", async () => {
    const polled = uniqueSymbol("RT");
    const abandoned = uniqueSymbol("RA");
    // Beside it, a symbol whose old points do go, so the test knows the pass went by.
    await storePoints(polled, [LONG_AGO, ...Array.from({ length: MAX_WINDOW }, (_, index) => Date.now() - DAY_MS + index)]);
    const abandonedTimes = Array.from({ length: 5 }, (_, index) => LONG_AGO + index * 60_000);
    await storePoints(abandoned, abandonedTimes);

    await housekeepUntil(async () => !(await storedTimes(polled)).includes(LONG_AGO));

    expect(await storedTimes(polled)).not.toContain(LONG_AGO);
    expect(await storedTimes(abandoned)).toEqual(abandonedTimes);
    const average = await call<{ moving_average: number; points: number }>(`/ma/${abandoned}?provider=synthetic&window=5`);
    expect(average.status).toBe(200);
    expect(average.body).toMatchObject({ moving_average: 100 });
  });

  it("deletes nothing while POINT_RETENTION_DAYS is 0 (the default)", async () => {
    const symbol = uniqueSymbol("RK");
    const times = [LONG_AGO, ...Array.from({ length: MAX_WINDOW }, (_, index) => Date.now() - DAY_MS + index)];
    await storePoints(symbol, times);

    const report = await runHousekeeping(env);

    expect(report.prunedPoints).toBe(0);
    expect(await storedTimes(symbol)).toEqual(times);
  });
});
