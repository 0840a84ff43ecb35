/**
 * Ingest: price points per second through symbol objects' RPC `ingest(target, quote, rawRef)` (store + dedupe
 * + moving-average state + outbox), driven from inside the Worker by POST /__bench/ingest; baseline: the same
 * number of bare single-row D1 INSERTs of the same rows from the same Worker, same concurrency, same run.
 * Profile rows run the product's storePoints (the D1 batch of one ingest) on its own, one point per call as
 * today and many per call (what a group commit would do).
 */
import { expectOk, sendJson } from "../node/http";
import type { CaseReport, Goal, Table } from "../node/report";
import { formatCount, formatMs, formatRatio, perSecond, ratio } from "../node/stats";
import { benchSymbol, type BenchContext } from "./context";

const PROVIDER = "binance";
const GOAL_POINTS_PER_SECOND = 5_000;
/** Points per storePoints call in the bulk reference row of the one-at-a-time shape. */
const BULK_REFERENCE = 50;
/** Deliveries timed in the outbox profile row (one at a time, so fewer suffice). */
const DELIVERY_PROFILE_POINTS = 200;

interface Drive {
  operations: number;
  failures: number;
  firstError?: string;
  elapsedMs: number;
}

interface Shape {
  label: string;
  /** Symbols are named <prefix><run>-<index>, fresh for every pass. */
  prefix: string;
  symbolCount: number;
  perSymbol: number;
  concurrency: number;
  /** Also run the storePoints profile rows. */
  profile: boolean;
}

interface Row {
  path: string;
  points: number;
  elapsedMs: number;
  /** Points per D1 batch (storePoints rows). */
  batchSize?: number;
}

/** The paths measured for a shape; the profile rows only for one-object shapes. */
interface Rows {
  baseline: Row;
  single?: Row;
  grouped?: Row;
  delivery?: Row;
  ingest: Row;
}

type RowName = keyof Rows;
const ROW_ORDER: readonly RowName[] = ["baseline", "single", "grouped", "delivery", "ingest"];

interface Measured {
  shape: Shape;
  rows: Rows;
}

/** A shape's pass on its own symbols. */
interface Pass extends Shape {
  symbols: string[];
}

let runCounter = 0;

function nextRun(): number {
  runCounter += 1;
  return runCounter;
}

function symbols(prefix: string, count: number): string[] {
  const run = nextRun();
  return Array.from({ length: count }, (_, index) => benchSymbol(`${prefix}${run}-`, index));
}

function firstTimestamp(): number {
  return Date.UTC(2020, 0, 1) + nextRun() * 86_400_000;
}

/**
 * Points per D1 batch in the group profile row: what the group commit can reach with `concurrency` quotes in
 * flight (capped like the object's MAX_POINTS_PER_WRITE), or a bulk reference when they come one at a time.
 */
function groupSize(shape: Shape): number {
  return shape.concurrency > 1 ? Math.min(shape.concurrency, 100) : BULK_REFERENCE;
}

async function post<T extends Drive>(ctx: BenchContext, route: string, body: unknown): Promise<T> {
  const result = expectOk(await sendJson<T>(`${ctx.service.url}/__bench/${route}`, "POST", body), route);
  if (result.failures > 0) throw new Error(`${route}: ${result.failures} failures, first: ${result.firstError ?? ""}`);
  return result;
}

async function ingestRow(ctx: BenchContext, shape: Pass): Promise<Row> {
  const body = { provider: PROVIDER, symbols: shape.symbols, pointsPerSymbol: shape.perSymbol, concurrency: shape.concurrency, firstTimestamp: firstTimestamp() };
  const result = await post<Drive & { storedPoints: number }>(ctx, "ingest", body);
  const expected = shape.symbolCount * shape.perSymbol;
  if (result.storedPoints !== expected) throw new Error(`ingest stored ${result.storedPoints} of ${expected} points`);
  return { path: "SymbolObject.ingest (the product's write path)", points: result.operations, elapsedMs: result.elapsedMs };
}

async function baselineRow(ctx: BenchContext, shape: Pass): Promise<Row> {
  const body = { provider: "bench-baseline", symbols: shape.symbols, rowsPerSymbol: shape.perSymbol, concurrency: shape.concurrency, firstTimestamp: firstTimestamp() };
  const result = await post<Drive>(ctx, "d1-insert", body);
  return { path: "bare D1 INSERT, 1 row per call (baseline)", points: result.operations, elapsedMs: result.elapsedMs };
}

async function storePointsRow(ctx: BenchContext, shape: Pass, pointsPerCall: number): Promise<Row> {
  const callsPerSymbol = Math.max(1, Math.round(shape.perSymbol / pointsPerCall));
  const concurrency = pointsPerCall > 1 ? 1 : shape.concurrency;
  const body = { provider: "bench-store", symbols: shape.symbols, callsPerSymbol, pointsPerCall, concurrency, firstTimestamp: firstTimestamp() };
  const result = await post<Drive & { points: number }>(ctx, "store-points", body);
  const path = `profile: storePoints from the Worker, ${pointsPerCall} point${pointsPerCall > 1 ? "s" : ""} per D1 batch${pointsPerCall > 1 ? ", one batch at a time" : ""}`;
  return { path, points: result.points, elapsedMs: result.elapsedMs, batchSize: pointsPerCall };
}

/** Outbox delivery of one event at a time, as the delivery alarm does when points arrive one at a time. */
async function deliveryRow(ctx: BenchContext, shape: Pass): Promise<Row> {
  const points = Math.min(shape.perSymbol, DELIVERY_PROFILE_POINTS);
  // A provider of its own (events are validated on delivery, so it must be a real provider name).
  const body = { provider: "alpha_vantage", symbol: shape.symbols[0]!, points, firstTimestamp: firstTimestamp() };
  const result = await post<Drive>(ctx, "deliver-outbox", body);
  return { path: "profile: deliverOutbox of 1 event (select + parse + delete)", points: result.operations, elapsedMs: result.elapsedMs };
}

/** One pass over the paths of a shape, each on fresh symbols. */
async function measureOnce(ctx: BenchContext, shape: Shape): Promise<Rows> {
  const fresh: Pass = { ...shape, symbols: symbols(shape.prefix, shape.symbolCount) };
  const baseline = await baselineRow(ctx, fresh);
  if (!shape.profile) return { baseline, ingest: await ingestRow(ctx, fresh) };
  const single = await storePointsRow(ctx, fresh, 1);
  const grouped = await storePointsRow(ctx, fresh, groupSize(shape));
  const delivery = await deliveryRow(ctx, fresh);
  return { baseline, single, grouped, delivery, ingest: await ingestRow(ctx, fresh) };
}

function addRow(total: Row | undefined, row: Row | undefined): Row | undefined {
  if (!total || !row) return total ?? row;
  return { ...total, points: total.points + row.points, elapsedMs: total.elapsedMs + row.elapsedMs };
}

/** `rounds` passes, the paths taking turns within each; a path's rate is its points over its time, summed. */
async function measure(ctx: BenchContext, shape: Shape, rounds: number): Promise<Measured> {
  ctx.log(`ingest: ${shape.label}, ${shape.concurrency} in flight`);
  let totals = await measureOnce(ctx, shape);
  for (let round = 1; round < rounds; round++) {
    const rows = await measureOnce(ctx, shape);
    totals = {
      baseline: addRow(totals.baseline, rows.baseline)!,
      single: addRow(totals.single, rows.single),
      grouped: addRow(totals.grouped, rows.grouped),
      delivery: addRow(totals.delivery, rows.delivery),
      ingest: addRow(totals.ingest, rows.ingest)!,
    };
  }
  return { shape, rows: totals };
}

const per = (row: Row) => row.elapsedMs / row.points;
const rate = (row: Row) => perSecond(row.points, row.elapsedMs);

function tableRows({ shape, rows }: Measured): string[][] {
  const describe = `${shape.symbolCount} × ${shape.perSymbol}, ${shape.concurrency} in flight per symbol`;
  return ROW_ORDER.flatMap((name) => {
    const row = rows[name];
    if (!row) return [];
    return [[shape.label, describe, row.path, formatCount(row.points), formatMs(row.elapsedMs), formatCount(rate(row)), formatMs(per(row)), formatRatio(ratio(rate(row), rate(rows.baseline)))]];
  });
}

/** What one point costs when points arrive one at a time (each ingest then has a delivery alarm of its own). */
function sequentialBreakdown({ rows }: Measured): string {
  const { baseline, single, grouped, delivery, ingest } = rows;
  if (!single || !grouped || !delivery) return "";
  return (
    `One at a time (what a batch round does: one quote per object per round), a bare INSERT costs ${formatMs(per(baseline))} per point and the whole ingest ${formatMs(per(ingest))}. ` +
    `Its parts, measured alone: its D1 batch (storePoints, 1 point) ${formatMs(per(single))}; the delivery its alarm runs right after (deliverOutbox of 1 event: select, parse, delete = 2 more D1 calls) ${formatMs(per(delivery))}, ` +
    "which partly overlaps the next ingest (an alarm runs beside the object's RPCs); plus the RPC itself (the HTTP case's profile row measures one). " +
    `The group commit cannot help here: there is never a second quote waiting. For reference, storePoints with ${grouped.batchSize ?? "?"} points per D1 batch costs ${formatMs(per(grouped))} per point (${formatCount(rate(grouped))} points/s).`
  );
}

function concurrentSummary({ shape, rows }: Measured): string {
  const { grouped, ingest } = rows;
  if (!grouped) return "";
  return (
    `With ${shape.concurrency} in flight the group commit can put up to ${grouped.batchSize ?? "?"} points in one D1 batch; such batches alone cost ${formatMs(per(grouped))} per point, ` +
    `the whole ingest ${formatMs(per(ingest))} (${formatRatio(ratio(per(ingest), per(grouped)))} of it): the rest is one RPC per quote and the delivery alarms, whose select + delete run between the write batches on the same D1.`
  );
}

function finding(oneObject: readonly Measured[]): string {
  const sequential = oneObject.filter((measured) => measured.shape.concurrency === 1).map(sequentialBreakdown);
  const concurrent = oneObject.filter((measured) => measured.shape.concurrency > 1).map(concurrentSummary);
  return [
    `Missed: ${GOAL_POINTS_PER_SECOND.toLocaleString("en-US")} points/s through one object is above what one D1 round trip per point allows on this machine (bare single-row INSERTs do not reach it); only many points per D1 batch do.`,
    ...sequential,
    ...concurrent,
  ]
    .filter(Boolean)
    .join(" ");
}

export async function ingestCase(ctx: BenchContext): Promise<CaseReport> {
  const { oneObjectPoints, oneObjectConcurrency, manySymbols, manyPointsPerSymbol, rounds } = ctx.settings.ingest;
  // Warm-up: the code paths, the objects' classes, D1's statements.
  await measure(ctx, { label: "warm-up", prefix: "INGW", symbolCount: 2, perSymbol: BULK_REFERENCE, concurrency: 2, profile: true }, 1);
  const oneObject: Measured[] = [];
  for (const concurrency of oneObjectConcurrency) {
    oneObject.push(await measure(ctx, { label: "one object", prefix: "ING1-", symbolCount: 1, perSymbol: oneObjectPoints, concurrency, profile: true }, rounds));
  }
  const many = await measure(ctx, { label: `${manySymbols} objects`, prefix: "INGM", symbolCount: manySymbols, perSymbol: manyPointsPerSymbol, concurrency: 1, profile: false }, rounds);

  const table: Table = {
    headers: ["case", "shape", "path", "points", "elapsed (in workerd)", "points/s", "per point", "ratio to baseline"],
    rows: [...oneObject, many].flatMap(tableRows),
  };
  const best = Math.max(...oneObject.map((measured) => rate(measured.rows.ingest)));
  const goal: Goal = {
    goal: `≥ ${GOAL_POINTS_PER_SECOND.toLocaleString("en-US")} points/s through one object`,
    measured: `${formatCount(best)} points/s (best of ${oneObjectConcurrency.join(", ")} in flight)`,
    met: best >= GOAL_POINTS_PER_SECOND,
  };
  return {
    title: "2. Ingest: points per second through symbol objects",
    method: [
      `POST /__bench/ingest (bench/worker/ingest.ts) stores one raw response, then calls \`ingest(target, quote, rawRef)\` on the symbol objects ("${PROVIDER}:<symbol>") the way a batch round does, each quote a new point one second after the last, and counts the points in D1 afterwards (every call must have stored one). ` +
        "Each ingest is the product's whole write path: outbox room check, the group commit (quotes arriving while a D1 batch is in flight share the next one: points deduped on symbol+provider+ts, outbox rows insert-if-new), latest and moving-average window in memory and storage, stream fan-out, delivery alarm (EVENT_SINK=none, so delivery reads and deletes outbox rows without network).",
      `Each shape runs ${rounds} round(s), its paths taking turns in each (fresh symbols every time); a path's rate is its points over its summed time. ` +
        "Baseline: POST /__bench/d1-insert writes the same rows (same count, same shape, same concurrency) as single-row INSERTs straight from the Worker to D1: one D1 round trip per point, no object, no batch, no outbox. " +
        `Profile rows: POST /__bench/store-points runs the product's storePoints (src/store/prices.ts) from the Worker, 1 point per call (what one ingest writes when it is alone) and, one batch at a time, as many per call as the object's group commit could gather with that many quotes in flight (${BULK_REFERENCE} for the one-at-a-time shape, as a bulk reference); POST /__bench/deliver-outbox times deliverOutbox (src/events/outbox.ts) to the none sink for one event at a time (up to ${DELIVERY_PROFILE_POINTS}), which is what each point's delivery alarm does when points arrive one by one. Times are measured inside workerd around the whole drive.`,
    ],
    tables: [table],
    goals: [goal],
    notes: goal.met ? [] : [finding(oneObject)],
  };
}
