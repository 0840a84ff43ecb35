/**
 * Sustained: one job of N symbols of a batch provider (binance, answered by the provider stand-in) at interval
 * 1 s for a fixed window, with the event sink pointed at the broker stand-in. Afterwards the case waits for D1
 * and the sink to drain, then CHECKS rather than assumes: every stored point's event reached the broker exactly
 * once by event_id, per-symbol order held, no event without a stored point. Rounds on time come from the
 * provider stand-in's request log, writes from the bench entry's counters (worker/counters.ts), CPU from the
 * service's process group.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import { groupCpuSeconds } from "../node/cpu";
import type { BrokerRecord } from "../node/broker-stand-in";
import { expectOk, requestJson, sendJson } from "../node/http";
import { tryProfile } from "../node/profile";
import type { CaseReport, Table } from "../node/report";
import { formatCount, formatMs, formatRatio, percentile, sortedCopy } from "../node/stats";
import type { WriteCounters } from "../worker/counters";
import { benchSymbol, type BenchContext } from "./context";
import { STABLE_MS } from "./stream";

const PROVIDER = "binance";
const BATCH_SIZE = 100;
const REQUEST_PATH = "/binance/api/v3/ticker/price";
/** A round is late when it starts more than this after the previous one (interval 1 s). */
const LATE_AFTER_MS = 1_250;
/** Requests closer than this to a round's first request belong to that round. */
const ROUND_SPREAD_MS = 600;

interface StoredPoint {
  symbol: string;
  ts: number;
  event_id: string | null;
}

export interface SustainedResult {
  symbols: number;
  seconds: number;
  roundsAsked: number;
  rounds: number;
  roundsOnTime: number;
  roundsComplete: number;
  storedPoints: number;
  storedPerSecond: number;
  /** Stored points whose event reached the broker (at least once). */
  announcedPoints: number;
  announcedPerSecond: number;
  distinctEvents: number;
  eventsPerSecond: number;
  records: number;
  recordsPerEvent: number;
  maxCopies: number;
  missingEvents: number;
  pointsWithoutEventId: number;
  eventsWithoutPoint: number;
  duplicatedEvents: number;
  orderViolations: number;
  deliveryP50Ms: number;
  deliveryP99Ms: number;
  drainMs: number;
  drained: boolean;
  counters: WriteCounters;
  cpuSeconds: number | undefined;
  brokerRequests: number;
  brokerRejected: number;
  brokerSlowestMs: number;
  /** The service's log lines about failed sink calls and provider timeouts during the case. */
  sinkFailuresLogged: number;
  /** CPU profile of the service's isolate right after the window (the job still running). */
  profile: string;
  jobErrors: number;
  lastError: string | null;
}

interface Job {
  job_id: string;
  runs?: number;
  errors?: number;
  last_error?: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function symbolsIn(url: string): number {
  const query = new URLSearchParams(url.split("?")[1] ?? "");
  const list = query.get("symbols");
  if (list) {
    try {
      return (JSON.parse(list) as unknown[]).length;
    } catch {
      return 0;
    }
  }
  return query.get("symbol") ? 1 : 0;
}

interface ProviderRound {
  startedAt: number;
  symbols: number;
}

/** The provider requests grouped into rounds: a round is the requests within ROUND_SPREAD_MS of its first. */
function roundsOf(requests: readonly { url: string; at: number }[]): ProviderRound[] {
  const rounds: ProviderRound[] = [];
  for (const request of [...requests].sort((a, b) => a.at - b.at)) {
    const current = rounds[rounds.length - 1];
    if (current && request.at - current.startedAt < ROUND_SPREAD_MS) current.symbols += symbolsIn(request.url);
    else rounds.push({ startedAt: request.at, symbols: symbolsIn(request.url) });
  }
  return rounds;
}

async function storedPoints(ctx: BenchContext, symbols: readonly string[], since: number, until: number): Promise<StoredPoint[]> {
  const body = { provider: PROVIDER, symbols, since, until };
  return expectOk(await sendJson<{ points: StoredPoint[] }>(`${ctx.service.url}/__bench/points`, "POST", body), "listing stored points").points;
}

async function counters(ctx: BenchContext, reset: boolean): Promise<WriteCounters> {
  const answer = reset
    ? await sendJson<WriteCounters>(`${ctx.service.url}/__bench/counters/reset`, "POST")
    : await requestJson<WriteCounters>(`${ctx.service.url}/__bench/counters`);
  return expectOk(answer, "reading the write counters");
}

/** Wait until D1 and the broker agree on the window's points and nothing new arrives, at most `drainSeconds`. */
async function drain(ctx: BenchContext, symbols: readonly string[], since: number, until: number, symbolSet: ReadonlySet<string>): Promise<{ points: StoredPoint[]; drained: boolean; ms: number }> {
  const startedAt = performance.now();
  const deadline = startedAt + ctx.settings.sustained.drainSeconds * 1000;
  let last = -1;
  let unchangedSince = performance.now();
  for (;;) {
    const points = await storedPoints(ctx, symbols, since, until);
    const delivered = new Set(windowRecords(ctx, symbolSet, since, until).map((record) => record.eventId));
    // Caught up both ways: every stored point's event at the broker, and every event's point in D1 (which may
    // receive points later than the sink receives events), and nothing new since the last look.
    const stored = new Set(points.map((point) => point.event_id));
    const allDelivered = points.every((point) => point.event_id !== null && delivered.has(point.event_id));
    const allStored = [...delivered].every((id) => stored.has(id));
    const total = points.length + delivered.size;
    if (total !== last) unchangedSince = performance.now();
    const done = allDelivered && allStored && performance.now() - unchangedSince >= STABLE_MS;
    if (done || performance.now() > deadline) return { points, drained: done, ms: performance.now() - startedAt };
    last = total;
    await sleep(2_000);
  }
}

/** The broker's records of these symbols whose quote time is inside the window. */
function windowRecords(ctx: BenchContext, symbols: ReadonlySet<string>, since: number, until: number): BrokerRecord[] {
  return ctx.broker.recordsOf(symbols).filter((record) => record.timestamp >= since && record.timestamp < until);
}

interface Checks {
  announcedPoints: number;
  missingEvents: number;
  pointsWithoutEventId: number;
  eventsWithoutPoint: number;
  duplicatedEvents: number;
  maxCopies: number;
  orderViolations: number;
  distinctEvents: number;
  deliveryMs: number[];
}

/** Exactly once by event_id, per-symbol order by quote time in arrival order, no orphan events. */
function check(points: readonly StoredPoint[], records: readonly BrokerRecord[]): Checks {
  const copies = new Map<string, number>();
  for (const record of records) copies.set(record.eventId, (copies.get(record.eventId) ?? 0) + 1);
  const pointEvents = new Set(points.map((point) => point.event_id).filter((id): id is string => id !== null));
  let announcedPoints = 0;
  let missingEvents = 0;
  for (const point of points) {
    if (point.event_id === null) continue;
    if (copies.has(point.event_id)) announcedPoints += 1;
    else missingEvents += 1;
  }
  // Order: per symbol, the first arrival of each event must come in increasing quote time.
  const seen = new Set<string>();
  const lastTimestamp = new Map<string, number>();
  let orderViolations = 0;
  const deliveryMs: number[] = [];
  for (const record of records) {
    if (seen.has(record.eventId)) continue;
    seen.add(record.eventId);
    deliveryMs.push(record.receivedAt - record.timestamp);
    const previous = lastTimestamp.get(record.symbol);
    if (previous !== undefined && record.timestamp <= previous) orderViolations += 1;
    lastTimestamp.set(record.symbol, Math.max(previous ?? record.timestamp, record.timestamp));
  }
  const counts = [...copies.values()];
  return {
    announcedPoints,
    missingEvents,
    pointsWithoutEventId: points.filter((point) => point.event_id === null).length,
    eventsWithoutPoint: [...copies.keys()].filter((id) => !pointEvents.has(id)).length,
    duplicatedEvents: counts.filter((count) => count > 1).length,
    maxCopies: counts.length > 0 ? Math.max(...counts) : 0,
    orderViolations,
    distinctEvents: copies.size,
    deliveryMs,
  };
}

async function runJob(ctx: BenchContext, size: number, index: number): Promise<SustainedResult> {
  const { seconds, delayMs, warmupSeconds, profileSeconds } = ctx.settings.sustained;
  const symbols = Array.from({ length: size }, (_, i) => benchSymbol(`SU${String.fromCharCode(65 + index)}`, i, 4));
  const symbolSet = new Set(symbols);
  ctx.standIn.serveBinance(symbols, BATCH_SIZE, delayMs);
  ctx.log(`sustained: ${size} symbols, ${warmupSeconds} s warm-up`);
  const brokerBefore = ctx.broker.stats();
  ctx.broker.resetSlowest();
  const logBefore = sinkFailuresIn(ctx.service.logFile);
  const job = expectOk(await sendJson<Job>(`${ctx.service.url}/prices/poll`, "POST", { symbols, interval: 1, provider: PROVIDER }), `POST /prices/poll (${size} symbols)`);
  await sleep(warmupSeconds * 1000);
  ctx.log(`sustained: ${size} symbols for ${seconds} s`);
  await counters(ctx, true);
  const cpuBefore = ctx.service.processGroup === undefined ? undefined : groupCpuSeconds(ctx.service.processGroup);
  const since = Date.now();
  await sleep(seconds * 1000);
  // Steady state: writes and CPU over the measured window (work for points of the warm-up that lands inside it
  // stands for the work of the window's last points that lands after it).
  const until = Date.now();
  const cpuAfter = ctx.service.processGroup === undefined ? undefined : groupCpuSeconds(ctx.service.processGroup);
  const writes = await counters(ctx, false);
  // An overloaded service may take long to answer; the job's error count is worth at most this wait.
  const status = await requestJson<Job>(`${ctx.service.url}/prices/poll/${job.job_id}`, { signal: AbortSignal.timeout(20_000) })
    .then((answer) => answer.body)
    .catch((): Job => ({ job_id: job.job_id, errors: undefined, last_error: "the job's status did not answer within 20 s" }));
  // Where the time goes: a CPU profile of the service's isolate while the job keeps running, after the window.
  ctx.log(`sustained: ${size} symbols, profiling ${profileSeconds} s`);
  const profile = await tryProfile(ctx.service, () => sleep(profileSeconds * 1000));
  await sendJson(`${ctx.service.url}/prices/poll/${job.job_id}`, "DELETE");
  ctx.log(`sustained: ${size} symbols, draining`);
  const drained = await drain(ctx, symbols, since, until, symbolSet);
  const brokerAfter = ctx.broker.stats();
  const windowSeconds = (until - since) / 1000;
  const records = windowRecords(ctx, symbolSet, since, until);
  const checks = check(drained.points, records);
  const rounds = roundsOf(await ctx.standIn.requests(REQUEST_PATH, since)).filter((round) => round.startedAt < until);
  const onTime = rounds.filter((round, i) => i === 0 || round.startedAt - rounds[i - 1]!.startedAt <= LATE_AFTER_MS).length;
  const sortedDelivery = sortedCopy(checks.deliveryMs);
  return {
    symbols: size,
    seconds: windowSeconds,
    roundsAsked: Math.floor(windowSeconds),
    rounds: rounds.length,
    roundsOnTime: onTime,
    roundsComplete: rounds.filter((round) => round.symbols >= size).length,
    storedPoints: drained.points.length,
    storedPerSecond: drained.points.length / windowSeconds,
    announcedPoints: checks.announcedPoints,
    announcedPerSecond: checks.announcedPoints / windowSeconds,
    distinctEvents: checks.distinctEvents,
    eventsPerSecond: checks.distinctEvents / windowSeconds,
    records: records.length,
    recordsPerEvent: checks.distinctEvents > 0 ? records.length / checks.distinctEvents : Number.NaN,
    maxCopies: checks.maxCopies,
    missingEvents: checks.missingEvents,
    pointsWithoutEventId: checks.pointsWithoutEventId,
    eventsWithoutPoint: checks.eventsWithoutPoint,
    duplicatedEvents: checks.duplicatedEvents,
    orderViolations: checks.orderViolations,
    deliveryP50Ms: percentile(sortedDelivery, 50),
    deliveryP99Ms: percentile(sortedDelivery, 99),
    drainMs: drained.ms,
    drained: drained.drained,
    counters: writes,
    cpuSeconds: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
    brokerRequests: brokerAfter.requests - brokerBefore.requests,
    brokerRejected: brokerAfter.rejected - brokerBefore.rejected,
    brokerSlowestMs: brokerAfter.slowestAnswerMs,
    sinkFailuresLogged: sinkFailuresIn(ctx.service.logFile) - logBefore,
    profile,
    jobErrors: status.errors ?? 0,
    lastError: status.last_error ?? null,
  };
}

export function rowsWrittenPerPoint(result: SustainedResult): number {
  const { d1RowsWritten, objectSqlRowsWritten, objectKvRowsWritten } = result.counters;
  return (d1RowsWritten + objectSqlRowsWritten + objectKvRowsWritten) / result.storedPoints;
}

export function d1QueriesPerPoint(result: SustainedResult): number {
  return result.counters.d1Calls / result.storedPoints;
}

export function exactlyOnce(result: SustainedResult): boolean {
  return result.missingEvents === 0 && result.pointsWithoutEventId === 0 && result.duplicatedEvents === 0 && result.eventsWithoutPoint === 0 && result.orderViolations === 0;
}

function perPoint(value: number, points: number): string {
  return points > 0 ? (value / points).toFixed(3) : "n/a";
}

function resultRows(result: SustainedResult): string[][] {
  const c = result.counters;
  const n = result.storedPoints;
  const label = `${result.symbols} symbols`;
  return [
    [label, "window", `${result.seconds.toFixed(1)} s at interval 1 s (${result.roundsAsked} rounds asked)`],
    [label, "provider rounds seen / on time (≤ 1.25 s after the previous) / asking every symbol", `${result.rounds} / ${result.roundsOnTime} / ${result.roundsComplete}`],
    [label, "points stored in D1 (points/s)", `${formatCount(n)} (${formatCount(result.storedPerSecond)}/s, ${formatRatio(result.storedPerSecond / result.symbols)} of asked)`],
    [label, "stored and announced (event at the broker), points/s", `${formatCount(result.announcedPoints)} (${formatCount(result.announcedPerSecond)}/s)`],
    [label, "distinct events acknowledged by the sink (events/s)", `${formatCount(result.distinctEvents)} (${formatCount(result.eventsPerSecond)}/s, ${formatRatio(result.eventsPerSecond / result.symbols)} of asked)`],
    [label, "broker stand-in: requests answered (refused) / slowest answer / failed sink calls the service logged", `${formatCount(result.brokerRequests)} (${result.brokerRejected}) / ${formatMs(result.brokerSlowestMs)} / ${formatCount(result.sinkFailuresLogged)}`],
    [label, "broker records ÷ distinct events (most copies of one event)", `${formatRatio(result.recordsPerEvent)} (${formatCount(result.records)} records, max ${result.maxCopies})`],
    [label, "exactly once by event_id (checked)", `${exactlyOnce(result) ? "yes" : "**NO**"}: ${result.missingEvents} stored points without their event at the broker, ${result.pointsWithoutEventId} without an event_id, ${result.duplicatedEvents} events delivered more than once, ${result.eventsWithoutPoint} events without a stored point`],
    [label, "per-symbol order (checked)", `${result.orderViolations === 0 ? "kept" : `**${result.orderViolations} events arrived before an older one of their symbol**`}`],
    [label, "quote → broker, p50 / p99", `${formatMs(result.deliveryP50Ms)} / ${formatMs(result.deliveryP99Ms)}`],
    [label, "drain after the job stopped", `${formatMs(result.drainMs)}${result.drained ? "" : " (**did not drain**: counted what had arrived)"}`],
    [label, "D1 round trips / statements per stored point", `${perPoint(c.d1Calls, n)} / ${perPoint(c.d1Statements, n)} (${formatCount(c.d1Calls)} calls, ${formatCount(c.d1Statements)} statements, ${formatCount(c.d1StatementsWithoutMeta)} via first/raw)`],
    [label, "rows written per stored point: D1 + object SQL + object KV", `${perPoint(c.d1RowsWritten + c.objectSqlRowsWritten + c.objectKvRowsWritten, n)} = ${perPoint(c.d1RowsWritten, n)} + ${perPoint(c.objectSqlRowsWritten, n)} + ${perPoint(c.objectKvRowsWritten, n)}`],
    [label, "service CPU per stored point", result.cpuSeconds === undefined ? "n/a" : `${formatMs((result.cpuSeconds * 1000) / n)} (${result.cpuSeconds.toFixed(1)} s of CPU in the window, wrangler + workerd incl. local D1)`],
    [label, "job errors (last)", `${result.jobErrors}${result.lastError ? ` (${result.lastError})` : ""}`],
  ];
}

/** Lines of the service's log saying an event delivery failed (e.g. a sink call timed out in the service). */
function sinkFailuresIn(logFile: string): number {
  try {
    return readFileSync(logFile, "utf8").split("\n").filter((line) => /SinkError|event delivery/.test(line)).length;
  } catch {
    return 0;
  }
}

/** Why a job fell short of its interval, in numbers: round spacing, cost per point, and what the cores allow at that cost. */
function finding(result: SustainedResult): string {
  const n = result.storedPoints;
  const cpuMs = result.cpuSeconds === undefined || n === 0 ? Number.NaN : (result.cpuSeconds * 1000) / n;
  const cores = os.cpus().length;
  const spacing = result.rounds > 1 ? (result.seconds * 1000) / result.rounds : Number.NaN;
  return (
    `${result.symbols} symbols: ${result.rounds} provider rounds in ${result.seconds.toFixed(0)} s (one every ${formatMs(spacing)} on average, asked every 1000 ms), ${formatCount(result.storedPerSecond)} points/s stored. ` +
    `Each stored point cost ${(result.counters.d1Calls / Math.max(n, 1)).toFixed(2)} D1 round trips, ${rowsWrittenPerPoint(result).toFixed(1)} rows written and ${formatMs(cpuMs)} of the service's CPU; ` +
    `at that CPU cost the machine's ${cores} cores (shared with everything else running) allow at most ${formatCount((cores * 1000) / cpuMs)} points/s.`
  );
}

export async function sustainedCase(ctx: BenchContext): Promise<CaseReport & { results: SustainedResult[] }> {
  const results: SustainedResult[] = [];
  for (const [index, size] of ctx.settings.sustained.symbols.entries()) results.push(await runJob(ctx, size, index));
  const table: Table = { headers: ["job", "figure", "measured"], rows: results.flatMap(resultRows) };
  return {
    title: "3. Sustained: jobs of a batch provider at interval 1 s",
    method: [
      `One job at a time: N symbols of binance (batch provider, ${BATCH_SIZE} symbols a request) at interval 1 s, measured for ${ctx.settings.sustained.seconds} s after a ${ctx.settings.sustained.warmupSeconds} s warm-up (the job's objects are created in its first rounds); points and events count by quote time inside the measured window; the provider stand-in answers each batch after ${ctx.settings.sustained.delayMs} ms with the recorded ticker shape. ` +
        "The service's sink is EVENT_SINK=kafka-rest-v2 pointed at the broker stand-in (bench/node/broker-stand-in.ts, a local Kafka REST v2/v3 produce server acknowledging every record at once and recording its event_id, symbol, quote time and arrival order). " +
        `After the job is deleted the case waits (at most ${ctx.settings.sustained.drainSeconds} s) until every point stored in D1 has its event at the broker, every event at the broker has its point in D1 (D1 may lag the object) and nothing new arrived for ${STABLE_MS / 1000} s, then checks: each stored point's event_id at the broker exactly once, no event without a stored point, and per symbol the events' first arrivals in increasing quote time.`,
      `Rounds come from the provider stand-in's request log (requests within ${ROUND_SPREAD_MS} ms of a round's first belong to it; on time = started ≤ ${LATE_AFTER_MS} ms after the previous). ` +
        "D1 round trips, statements and `meta.rows_written`, and the objects' SQLite `rowsWritten` and KV keys written, are counted by the bench entry around the product's own `env.DB` and `ctx.storage` (bench/worker/counters.ts), over the measured window; rows written include index rows, as D1 and Durable Objects bill them. " +
        "CPU is the service's process group (wrangler + workerd, which also runs local D1) over the same window, divided by the stored points. " +
        `Then, the job still running, a ${ctx.settings.sustained.profileSeconds} s CPU profile of the service's isolate (Worker and objects; local D1 runs outside it) says where the JavaScript time goes.`,
    ],
    tables: [table],
    goals: [],
    notes: results.flatMap((result) => [finding(result), `Profile, ${result.symbols} symbols (${ctx.settings.sustained.profileSeconds} s right after the window, the job still running): ${result.profile}`]),
    results,
  };
}
