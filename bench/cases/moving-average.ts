/**
 * Moving average vs history size: p50 latency of GET /ma/{symbol}?window=N with 1K, 100K, 1M stored points for
 * that symbol, ratios to the 1K case. Histories are seeded straight into D1 (bench/worker/d1.ts) before the
 * symbol's object is first asked, so the object must find them the way it would after a restart.
 */
import { expectOk, requestJson, sendJson } from "../node/http";
import { latencyPercentiles, mergeSamples, sampleLatency, type LatencySample } from "../node/load";
import type { CaseReport, Table } from "../node/report";
import { formatCount, formatMs, formatRatio, ratio } from "../node/stats";
import type { BenchContext } from "./context";

const PROVIDER = "synthetic";
const GOAL_RATIO = 1.1;
/** Sampling alternates between the histories in this many rounds, so load drift hits all sizes alike. */
const ROUNDS = 5;

interface ErrorBody {
  error?: { code?: string; message?: string };
}

interface AverageBody extends ErrorBody {
  moving_average?: number;
  points?: number;
}

interface History {
  size: number;
  symbol: string;
  seedMs: number;
  firstMs: number;
  samples: LatencySample[];
}

function symbolFor(size: number): string {
  return `MAH${size}`;
}

function averageUrl(ctx: BenchContext, symbol: string): string {
  return `${ctx.service.url}/ma/${symbol}?window=${ctx.settings.movingAverage.window}&provider=${PROVIDER}`;
}

/** Whether GET /ma/{symbol} exists in the Worker under test: an unknown route answers 404 not_found. */
async function routeExists(ctx: BenchContext): Promise<boolean> {
  const answer = await requestJson<ErrorBody>(averageUrl(ctx, "MAPROBE"));
  return !(answer.status === 404 && answer.body.error?.code === "not_found");
}

async function seeded(ctx: BenchContext, size: number): Promise<History> {
  const symbol = symbolFor(size);
  ctx.log(`moving average: seeding ${size.toLocaleString("en-US")} points`);
  const seed = expectOk(
    await sendJson<{ rows: number; elapsedMs: number }>(`${ctx.service.url}/__bench/seed`, "POST", {
      symbol,
      provider: PROVIDER,
      count: size,
      lastTimestamp: Date.UTC(2025, 0, 1),
    }),
    "seeding",
  );
  if (seed.rows !== size) throw new Error(`seeded ${seed.rows} of ${size} points for ${symbol}`);
  const startedAt = performance.now();
  const first = await requestJson<AverageBody>(averageUrl(ctx, symbol));
  const firstMs = performance.now() - startedAt;
  if (first.status !== 200) throw new Error(`GET /ma/${symbol}: HTTP ${first.status} ${JSON.stringify(first.body)}`);
  return { size, symbol, seedMs: seed.elapsedMs, firstMs, samples: [] };
}

function notAvailable(): CaseReport {
  return {
    title: "4. Moving average vs history size",
    method: ["GET /ma/{symbol} does not exist in the Worker under test (it answered 404 not_found): not available in this run."],
    tables: [],
    goals: [{ goal: `MA p50 at 1M points ≤ ${GOAL_RATIO}× at 1K`, measured: "not available", met: undefined }],
    notes: [],
  };
}

export async function movingAverageCase(ctx: BenchContext): Promise<CaseReport & { largest?: { size: number; ratio: number } }> {
  if (!(await routeExists(ctx))) return notAvailable();
  const { historySizes, samples, window } = ctx.settings.movingAverage;
  const histories: History[] = [];
  for (const size of historySizes) histories.push(await seeded(ctx, size));
  // Sampled after all seeding (the database is the same size for every history), the histories taking turns.
  ctx.log("moving average: sampling");
  for (const history of histories) await sampleLatency(averageUrl(ctx, history.symbol), Math.ceil(samples / 10));
  for (let round = 0; round < ROUNDS; round++) {
    for (const history of histories) history.samples.push(await sampleLatency(averageUrl(ctx, history.symbol), Math.ceil(samples / ROUNDS)));
  }
  const results = histories.map((history) => ({ history, sample: mergeSamples(history.samples) }));
  const percentiles = results.map(({ sample }) => latencyPercentiles(sample));
  const baselinePercentiles = percentiles[0]!;
  const baseline = histories[0]!;
  const table: Table = {
    headers: ["stored points", "seeding", "first request (loads the window)", "requests", "p50", "p99", "p50 ratio to 1K", "failures"],
    rows: results.map(({ history, sample }, index) => [
      formatCount(history.size),
      formatMs(history.seedMs),
      formatMs(history.firstMs),
      String(sample.times.length),
      formatMs(percentiles[index]!.p50Ms),
      formatMs(percentiles[index]!.p99Ms),
      formatRatio(ratio(percentiles[index]!.p50Ms, baselinePercentiles.p50Ms)),
      sample.firstFailure === undefined ? "0" : `${sample.failures} (${sample.firstFailure})`,
    ]),
  };
  const largest = histories[histories.length - 1]!;
  const largestRatio = ratio(percentiles[percentiles.length - 1]!.p50Ms, baselinePercentiles.p50Ms);
  return {
    largest: { size: largest.size, ratio: largestRatio },
    title: "4. Moving average vs history size",
    method: [
      `Each history is one symbol's points from provider ${PROVIDER}, one second apart, written by POST /__bench/seed as \`WITH RECURSIVE … INSERT … SELECT\` statements of 100K rows (no bound-parameter limit, no rows over the wire). ` +
        `Then GET /ma/{symbol}?window=${window} is asked once (timed separately: the object loads its window), ${Math.ceil(samples / 10)} times to warm up, and ${samples} times one after another on a keep-alive connection, each timed on its own, in ${ROUNDS} rounds that alternate between the histories.`,
    ],
    tables: [table],
    goals: [
      {
        goal: `MA p50 at ${formatCount(largest.size)} points ≤ ${GOAL_RATIO}× at 1K`,
        measured: formatRatio(largestRatio),
        met: largest.size >= 1_000_000 ? largestRatio <= GOAL_RATIO : undefined,
      },
    ],
    notes: [
      `The first request of each object (cold: it loads its window of the newest points once) took ${formatMs(largest.firstMs)} at ${formatCount(largest.size)} points vs ${formatMs(baseline.firstMs)} at 1K (${formatRatio(ratio(largest.firstMs, baseline.firstMs))}); every later request is answered from the object's memory.`,
      ...(largest.size < 1_000_000 ? ["Quick mode stops at the largest size listed; the 1M case runs in the full bench."] : []),
    ],
  };
}
