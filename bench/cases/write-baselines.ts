/**
 * Write baselines, same run: the platform's ceiling for the write shape "one writer per symbol, many symbols per
 * provider request" (bench/baseline/fan-out-worker.ts: a coordinator object calls N writer objects in parallel,
 * each inserts one row into its own SQLite storage, then the N rows go to D1 in one batch), and the same rows as
 * bulk D1 batches straight from that Worker. Rounds run one after another; the first round of each shape creates
 * its objects and is reported apart (cold), the rest give the rate.
 */
import { expectOk, sendJson } from "../node/http";
import type { CaseReport, Table } from "../node/report";
import { startWorker, withDeadline, type Service } from "../node/service";
import { formatCount, formatMs, median, perSecond } from "../node/stats";
import type { BenchContext } from "./context";

interface RoundTiming {
  objectsMs: number;
  d1Ms: number;
  totalMs: number;
}

export interface WriteBaseline {
  objects: number;
  fanOutPointsPerSecond: number;
  bulkPointsPerSecond: number;
}

const FAN_OUT_CONFIG = `
[[d1_databases]]
binding = "DB"
database_name = "bench-fan-out"

[[durable_objects.bindings]]
name = "COORDINATOR"
class_name = "Coordinator"

[[durable_objects.bindings]]
name = "WRITER"
class_name = "Writer"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["Coordinator", "Writer"]
`;

interface Shape {
  objects: number;
  fanOut: RoundTiming[];
  bulk: RoundTiming[];
}

async function rounds(worker: Service, path: string, objects: number, count: number, firstTimestamp: number): Promise<RoundTiming[]> {
  const body = { objects, rounds: count, firstTimestamp };
  return expectOk(await sendJson<{ rounds: RoundTiming[] }>(`${worker.url}${path}`, "POST", body), `POST ${path}`).rounds;
}

/** Points per second over the warm rounds (all but the first). */
function rate(objects: number, timings: readonly RoundTiming[]): number {
  const warm = timings.slice(1);
  return perSecond(objects * warm.length, warm.reduce((sum, round) => sum + round.totalMs, 0));
}

function rows(shape: Shape): string[][] {
  const warmFan = shape.fanOut.slice(1);
  const warmBulk = shape.bulk.slice(1);
  return [
    [
      `fan-out: coordinator → ${shape.objects} objects (1 SQLite row each) → 1 D1 batch`,
      String(shape.objects),
      formatMs(shape.fanOut[0]?.totalMs ?? Number.NaN),
      String(warmFan.length),
      formatMs(median(warmFan.map((round) => round.totalMs))),
      `${formatMs(median(warmFan.map((round) => round.objectsMs)))} objects + ${formatMs(median(warmFan.map((round) => round.d1Ms)))} D1`,
      formatMs(median(warmFan.map((round) => round.objectsMs)) / shape.objects),
      formatCount(rate(shape.objects, shape.fanOut)),
    ],
    [
      `bulk D1 from the Worker: ${shape.objects} rows in 1 D1 batch`,
      String(shape.objects),
      formatMs(shape.bulk[0]?.totalMs ?? Number.NaN),
      String(warmBulk.length),
      formatMs(median(warmBulk.map((round) => round.totalMs))),
      "D1 only",
      "–",
      formatCount(rate(shape.objects, shape.bulk)),
    ],
  ];
}

export async function writeBaselinesCase(ctx: BenchContext): Promise<CaseReport & { baselines: WriteBaseline[] }> {
  const { objects: sizes, rounds: count } = ctx.settings.writeBaselines;
  ctx.log("write baselines: starting the fan-out Worker");
  const worker = await withDeadline(startWorker({ root: ctx.root, workDir: ctx.workDir, name: "bench-fan-out", entry: "bench/baseline/fan-out-worker.ts", config: FAN_OUT_CONFIG, readyPath: "/setup", readyMethod: "POST" }), "the fan-out Worker");
  ctx.commands.push(worker.command.replaceAll(ctx.workDir, "<tmp>"));
  const shapes: Shape[] = [];
  try {
    for (const [index, objects] of sizes.entries()) {
      ctx.log(`write baselines: ${objects} objects × ${count} rounds`);
      const firstTimestamp = Date.UTC(2025, 0, 1) + index * 10_000_000;
      const fanOut = await rounds(worker, "/fan-out", objects, count, firstTimestamp);
      const bulk = await rounds(worker, "/bulk", objects, count, firstTimestamp);
      shapes.push({ objects, fanOut, bulk });
    }
  } finally {
    await worker.stop();
  }
  const baselines = shapes.map((shape) => ({ objects: shape.objects, fanOutPointsPerSecond: rate(shape.objects, shape.fanOut), bulkPointsPerSecond: rate(shape.objects, shape.bulk) }));
  const table: Table = {
    headers: ["shape", "points a round", "first round (cold)", "warm rounds", "round p50", "of which", "per object call (p50)", "points/s (warm rounds)"],
    rows: shapes.flatMap(rows),
  };
  return {
    title: "2. Write baselines: minimal fan-out Worker and bulk D1",
    method: [
      "bench/baseline/fan-out-worker.ts, a Worker of its own under its own `wrangler dev` (own D1, own objects): `POST /fan-out` runs rounds one after another, each a coordinator object calling N writer objects in parallel (`Promise.all` of RPCs), each inserting one row into its own SQLite storage and returning it, then writing the N rows to D1 in one `batch()` (rows shaped like the product's price_points, with its unique index). " +
        "`POST /bulk` writes the same rows from the Worker as one D1 batch a round, no objects. Timed inside workerd. " +
        "This is the ceiling of the shape \"one writer per symbol, many symbols per provider request\" on this machine, against which the sustained case is compared.",
    ],
    tables: [table],
    goals: [],
    notes: [],
    baselines,
  };
}
