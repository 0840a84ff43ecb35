/**
 * Bars from stored points (GET /prices/bars?source=points): p50 latency for the same recent window of 1m bars
 * over a symbol with 1K stored points and one with 1M, ratio to 1K. Its latency must not grow with the symbol's
 * history. Histories are seeded straight into D1 the way the moving-average case seeds them. Skips with a clear
 * line while the route does not exist (404 not_found).
 */
import { expectOk, requestJson, sendJson } from "../node/http";
import { latencyPercentiles, mergeSamples, sampleLatency, type LatencySample } from "../node/load";
import type { CaseReport, Table } from "../node/report";
import { formatCount, formatMs, formatRatio, ratio } from "../node/stats";
import type { BenchContext } from "./context";

const PROVIDER = "synthetic";
const ROUNDS = 5;
const GOAL_RATIO = 1.1;
/** The window asked: the newest 15 minutes of 1m bars (900 points), the same for every history. */
const WINDOW_MS = 15 * 60_000;
const LAST_TIMESTAMP = Date.UTC(2025, 0, 2);
const TITLE = "6. Bars from stored points vs history size";

interface ErrorBody {
  error?: { code?: string; message?: string };
}

interface BarsBody extends ErrorBody {
  bars?: unknown[];
}

interface History {
  size: number;
  symbol: string;
  seedMs: number;
  firstMs: number;
  bars: number;
  samples: LatencySample[];
}

function barsUrl(ctx: BenchContext, symbol: string): string {
  // Bars are in range when from ≤ start < to; the window ends one minute after the newest point's bar.
  const to = Math.floor(LAST_TIMESTAMP / 60_000) * 60_000 + 60_000;
  const from = to - WINDOW_MS;
  const query = new URLSearchParams({ symbol, interval: "1m", from: new Date(from).toISOString(), to: new Date(to).toISOString(), provider: PROVIDER, source: "points" });
  return `${ctx.service.url}/prices/bars?${query.toString()}`;
}

export function notAvailable(reason: string): CaseReport & { largest?: undefined } {
  return {
    title: TITLE,
    method: [`**Skipped:** ${reason}`],
    tables: [],
    goals: [{ goal: `bars (source=points) p50 at 1M points ≤ ${GOAL_RATIO}× at 1K`, measured: "not available", met: undefined }],
    notes: [],
  };
}

async function seeded(ctx: BenchContext, size: number): Promise<History> {
  const symbol = `BARH${size}`;
  ctx.log(`bars: seeding ${size.toLocaleString("en-US")} points`);
  const seed = expectOk(
    await sendJson<{ rows: number; elapsedMs: number }>(`${ctx.service.url}/__bench/seed`, "POST", { symbol, provider: PROVIDER, count: size, lastTimestamp: LAST_TIMESTAMP }),
    "seeding",
  );
  if (seed.rows !== size) throw new Error(`seeded ${seed.rows} of ${size} points for ${symbol}`);
  const startedAt = performance.now();
  const first = await requestJson<BarsBody>(barsUrl(ctx, symbol));
  const firstMs = performance.now() - startedAt;
  if (first.status !== 200) throw new Error(`GET /prices/bars (${symbol}): HTTP ${first.status} ${JSON.stringify(first.body).slice(0, 300)}`);
  return { size, symbol, seedMs: seed.elapsedMs, firstMs, bars: first.body.bars?.length ?? 0, samples: [] };
}

export async function barsCase(ctx: BenchContext): Promise<CaseReport & { largest?: { size: number; ratio: number } }> {
  const probe = await requestJson<ErrorBody>(barsUrl(ctx, "BARPROBE"));
  if (probe.status === 404 && probe.body.error?.code === "not_found") {
    return notAvailable("GET /prices/bars does not exist in the Worker under test (404 not_found), so bars from points (source=points) could not be measured in this run.");
  }
  if (probe.status >= 400 && probe.status !== 404) {
    return notAvailable(`GET /prices/bars?source=points answered HTTP ${probe.status} for an unknown symbol: ${JSON.stringify(probe.body).slice(0, 300)}`);
  }
  const { historySizes, samples } = ctx.settings.bars;
  const histories: History[] = [];
  for (const size of historySizes) histories.push(await seeded(ctx, size));
  ctx.log("bars: sampling");
  for (const history of histories) await sampleLatency(barsUrl(ctx, history.symbol), Math.ceil(samples / 10));
  for (let round = 0; round < ROUNDS; round++) {
    for (const history of histories) history.samples.push(await sampleLatency(barsUrl(ctx, history.symbol), Math.ceil(samples / ROUNDS)));
  }
  const percentiles = histories.map((history) => latencyPercentiles(mergeSamples(history.samples)));
  const base = percentiles[0]!;
  const table: Table = {
    headers: ["stored points", "seeding", "first request", "bars answered", "requests", "p50", "p99", "p50 ratio to 1K", "failures"],
    rows: histories.map((history, index) => {
      const sample = mergeSamples(history.samples);
      return [
        formatCount(history.size),
        formatMs(history.seedMs),
        formatMs(history.firstMs),
        String(history.bars),
        String(sample.times.length),
        formatMs(percentiles[index]!.p50Ms),
        formatMs(percentiles[index]!.p99Ms),
        formatRatio(ratio(percentiles[index]!.p50Ms, base.p50Ms)),
        sample.firstFailure === undefined ? "0" : `${sample.failures} (${sample.firstFailure})`,
      ];
    }),
  };
  const largest = histories[histories.length - 1]!;
  const largestRatio = ratio(percentiles[percentiles.length - 1]!.p50Ms, base.p50Ms);
  return {
    largest: { size: largest.size, ratio: largestRatio },
    title: TITLE,
    method: [
      `Each history is one symbol's points (provider ${PROVIDER}, one second apart, the newest at ${new Date(LAST_TIMESTAMP).toISOString()}) seeded into D1 by POST /__bench/seed. ` +
        `Then \`GET /prices/bars?symbol=…&interval=1m&from=…&to=…&source=points\` for the same newest 15 minutes (15 bars of 60 points) is asked once (timed apart), ${Math.ceil(samples / 10)} times to warm up and ${samples} times one after another, each timed on its own, in ${ROUNDS} rounds alternating between the histories.`,
    ],
    tables: [table],
    goals: [
      {
        goal: `bars (source=points) p50 at ${formatCount(largest.size)} points ≤ ${GOAL_RATIO}× at 1K`,
        measured: formatRatio(largestRatio),
        met: largest.size >= 1_000_000 ? largestRatio <= GOAL_RATIO : undefined,
      },
    ],
    notes: largest.size < 1_000_000 ? ["Quick mode stops at the largest size listed; the 1M case runs in the full bench."] : [],
  };
}
