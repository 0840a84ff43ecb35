/**
 * Live stream: N SSE clients on one symbol of a 1-second synthetic job must each receive every event. Measures
 * delivery latency (the event's emitted_at → arrival at the client) and the effect on polling (points stored per
 * second across the job, with and without the clients). Runs only when GET /prices/stream exists.
 */
import { groupCpuSeconds } from "../node/cpu";
import { expectOk, sendJson } from "../node/http";
import type { CaseReport, Goal, Table } from "../node/report";
import { SseClient } from "../node/sse-client";
import { formatCount, formatMs, formatRatio, percentile, perSecond, ratio, sortedCopy } from "../node/stats";
import { benchSymbol, type BenchContext } from "./context";

/** A batch provider from the stand-in: its quote time is when the Worker received the answer, so quote → client is measurable too. */
const PROVIDER = "binance";
/** Clients opened at once while connecting, so the listen backlog is not what is measured. */
const CONNECT_WAVE = 50;
const CONNECT_TIMEOUT_MS = 30_000;
/** Events this close to the window's edges may legitimately reach only some clients (a quarter of a short window). */
function edgeMs(seconds: number): number {
  return Math.min(1_000, seconds * 250);
}

interface ErrorBody {
  error?: { code?: string };
}

interface Window {
  clients: number;
  connected: number;
  connectFailures: number;
  firstConnectError: string | undefined;
  connectMs: number;
  /** Filled once D1 has caught up (it may receive points later than streams see them). */
  pointsPerSecond: number;
  since: number;
  until: number;
  /** Events of the streamed symbol inside the window that reached at least one client. */
  events: number;
  /** Deliveries missing: (client, event) pairs of connected clients that never arrived. */
  missing: number;
  closedByServer: number;
  closeReason: string | undefined;
  p50Ms: number;
  p99Ms: number;
  /** From the quote's time (the provider's answer received) rather than emitted_at. */
  quoteP50Ms: number;
  quoteP99Ms: number;
  serviceCpu: number | undefined;
  /** CPU of the bench's own Node process (the clients) per second of window, in cores. */
  clientCpu: number;
}

export async function streamRouteExists(ctx: BenchContext): Promise<boolean> {
  const controller = new AbortController();
  const response = await fetch(`${ctx.service.url}/prices/stream?symbols=STREAMPROBE`, { signal: controller.signal });
  const isStream = (response.headers.get("content-type") ?? "").includes("text/event-stream");
  if (isStream) {
    controller.abort();
    return true;
  }
  const body = (await response.json().catch(() => ({}))) as ErrorBody;
  return !(response.status === 404 && body.error?.code === "not_found");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function pointsIn(ctx: BenchContext, symbols: readonly string[], since: number, until: number): Promise<number> {
  const body = { provider: PROVIDER, symbols, since, until };
  return expectOk(await sendJson<{ points: number }>(`${ctx.service.url}/__bench/count-points`, "POST", body), "counting points").points;
}

/** How long D1 may take to receive a job's points after they were streamed (the object flushes in batches). */
const SETTLE_MS = 30_000;
/** Unchanged this long means caught up: longer than the object's default D1 flush interval (10 s). */
export const STABLE_MS = 12_000;

/** Points stored per window, once the count over all windows stopped growing (or SETTLE_MS passed). */
async function countPoints(ctx: BenchContext, symbols: readonly string[], windows: Window[]): Promise<void> {
  if (windows.length === 0) return;
  const since = windows[0]!.since;
  const until = windows[windows.length - 1]!.until;
  const deadline = Date.now() + SETTLE_MS;
  let last = -1;
  let unchangedSince = Date.now();
  for (;;) {
    const total = await pointsIn(ctx, symbols, since, until);
    if (total !== last) unchangedSince = Date.now();
    if ((total > 0 && Date.now() - unchangedSince >= STABLE_MS) || Date.now() > deadline) break;
    last = total;
    await sleep(2_000);
  }
  for (const window of windows) window.pointsPerSecond = perSecond(await pointsIn(ctx, symbols, window.since, window.until), window.until - window.since);
}

/** Wait for `promise`, at most `ms`; the timer does not outlive the wait. */
async function atMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([promise, timeout]);
  clearTimeout(timer);
}

async function connect(url: string, count: number): Promise<SseClient[]> {
  const clients: SseClient[] = [];
  for (let start = 0; start < count; start += CONNECT_WAVE) {
    const wave = Array.from({ length: Math.min(CONNECT_WAVE, count - start) }, () => new SseClient(url));
    await atMost(Promise.all(wave.map((client) => client.ready)), CONNECT_TIMEOUT_MS);
    clients.push(...wave);
  }
  return clients;
}

/** One measuring window of `seconds`, with `clients` SSE clients on `streamed` (0: polling alone). */
async function measureWindow(ctx: BenchContext, streamed: string, clientCount: number): Promise<Window> {
  const { seconds } = ctx.settings.stream;
  const edge = edgeMs(seconds);
  const connectStarted = performance.now();
  const clients = clientCount > 0 ? await connect(`${ctx.service.url}/prices/stream?symbols=${streamed}&provider=${PROVIDER}`, clientCount) : [];
  const connectMs = performance.now() - connectStarted;
  const failed = clients.filter((client) => client.error !== undefined);
  const cpuBefore = ctx.service.processGroup === undefined ? undefined : groupCpuSeconds(ctx.service.processGroup);
  const clientCpuBefore = process.cpuUsage();
  // A whole number of seconds, aligned to the synthetic provider's quote times (whole seconds).
  const since = Math.ceil(Date.now() / 1000) * 1000;
  const until = since + seconds * 1000;
  await sleep(until - Date.now());
  const cpuAfter = ctx.service.processGroup === undefined ? undefined : groupCpuSeconds(ctx.service.processGroup);
  const clientCpu = process.cpuUsage(clientCpuBefore);
  await sleep(edge);
  for (const client of clients) client.close();

  const connected = clients.filter((client) => client.error === undefined);
  const inside = (emittedAt: number) => emittedAt >= since + edge && emittedAt < until - edge;
  const eventIds = new Set(connected.flatMap((client) => client.events.filter((event) => inside(event.emittedAt)).map((event) => event.id)));
  const missing = connected.reduce((sum, client) => sum + eventIds.size - new Set(client.events.map((event) => event.id).filter((id) => eventIds.has(id))).size, 0);
  const latencies = sortedCopy(connected.flatMap((client) => client.events.filter((event) => inside(event.emittedAt)).map((event) => event.receivedAt - event.emittedAt)));
  const fromQuote = sortedCopy(connected.flatMap((client) => client.events.filter((event) => inside(event.emittedAt)).map((event) => event.receivedAt - event.quotedAt)));
  const closed = connected.filter((client) => client.closedWith !== undefined);
  return {
    clients: clientCount,
    connected: connected.length,
    connectFailures: failed.length,
    firstConnectError: failed[0]?.error,
    connectMs,
    pointsPerSecond: Number.NaN,
    since,
    until,
    events: eventIds.size,
    missing,
    closedByServer: closed.length,
    closeReason: closed[0]?.closedWith,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    quoteP50Ms: percentile(fromQuote, 50),
    quoteP99Ms: percentile(fromQuote, 99),
    serviceCpu: cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / ((until - since) / 1000),
    clientCpu: (clientCpu.user + clientCpu.system) / 1000 / (until - since),
  };
}

/** The first limit a window ran into, in the order a client would notice it. */
function limitHit(window: Window, alone: Window): string {
  if (window.connectFailures > 0) return `connections failed (${window.connectFailures}: ${window.firstConnectError ?? ""})`;
  if (window.closedByServer > 0) return `streams closed by the server (${window.closedByServer}: ${window.closeReason ?? ""})`;
  if (window.missing > 0) return `events missed (${window.missing} deliveries)`;
  if (window.p99Ms > 1000) return "p99 delivery latency above the 1 s polling interval";
  if (window.pointsPerSecond < 0.9 * alone.pointsPerSecond) return "polling slowed by more than 10 %";
  if (window.serviceCpu !== undefined && window.serviceCpu > 1.8) return "the service's processes use both cores";
  if (window.clientCpu > 0.9) return "the bench's own client process uses a whole core";
  return "none reached";
}

/** Baselines: polling with no client (points/s) and with one client (delivery latency). */
interface Baselines {
  alone: Window;
  single: Window;
}

function windowRow(window: Window, { alone, single }: Baselines): string[] {
  const streamed = window.clients > 0;
  const label = window === alone ? "0 (baseline for points/s)" : window === single ? "1 (baseline for latency)" : String(window.clients);
  return [
    label,
    streamed ? `${window.connected} in ${formatMs(window.connectMs)}` : "–",
    formatCount(window.pointsPerSecond),
    formatRatio(ratio(window.pointsPerSecond, alone.pointsPerSecond)),
    streamed ? `${window.events} events, ${window.missing} deliveries missing` : "–",
    streamed ? formatMs(window.p50Ms) : "–",
    streamed ? formatMs(window.p99Ms) : "–",
    streamed ? formatRatio(ratio(window.p50Ms, single.p50Ms)) : "–",
    streamed ? `${formatMs(window.quoteP50Ms)} / ${formatMs(window.quoteP99Ms)}` : "–",
    window.serviceCpu === undefined ? "n/a" : `${(window.serviceCpu * 100).toFixed(0)} %`,
    `${(window.clientCpu * 100).toFixed(0)} %`,
    streamed ? limitHit(window, alone) : "–",
  ];
}

function notAvailable(): CaseReport {
  return {
    title: "5. Live latency: quote accepted by the object → SSE client",
    method: ["GET /prices/stream does not exist in the Worker under test (404 not_found): not available in this run."],
    tables: [],
    goals: [{ goal: "every SSE client receives every event", measured: "not available", met: undefined }],
    notes: [],
  };
}

export interface LiveLatency {
  clients: number;
  p50Ms: number;
  p99Ms: number;
}

export async function streamCase(ctx: BenchContext): Promise<CaseReport & { live?: LiveLatency[] }> {
  if (!(await streamRouteExists(ctx))) return notAvailable();
  const { clients, seconds, jobSymbols: symbolCount, warmupMs } = ctx.settings.stream;
  const symbols = Array.from({ length: symbolCount }, (_, index) => benchSymbol("STRM", index));
  const streamed = symbols[0]!;
  ctx.standIn.serveBinance(symbols, 100, ctx.settings.sustained.delayMs);
  const job = expectOk(
    await sendJson<{ job_id: string }>(`${ctx.service.url}/prices/poll`, "POST", { symbols, interval: 1, provider: PROVIDER }),
    "starting the 1-second job",
  );
  const windows: Window[] = [];
  try {
    await sleep(warmupMs);
    for (const [index, count] of [0, 1, ...clients].entries()) {
      // Let the last window's streams wind down before the next one opens.
      if (index > 1) await sleep(1_000);
      ctx.log(`stream: ${count} clients`);
      windows.push(await measureWindow(ctx, streamed, count));
    }
  } finally {
    await sendJson(`${ctx.service.url}/prices/poll/${job.job_id}`, "DELETE");
  }
  await countPoints(ctx, symbols, windows);
  const baselines: Baselines = { alone: windows[0]!, single: windows[1]! };
  const table: Table = {
    headers: ["SSE clients", "connected", "points/s (whole job)", "ratio to no clients", "delivery", "latency p50 (emitted_at → client)", "latency p99", "p50 ratio to 1 client", "quote received → client p50 / p99", "service CPU (of one core)", "bench client CPU", "first limit hit"],
    rows: windows.map((window) => windowRow(window, baselines)),
  };
  const streamedWindows = windows.slice(2);
  const goals: Goal[] = streamedWindows.map((window) => ({
    goal: `every one of ${window.clients} SSE clients receives every event`,
    measured: `${window.connected} connected, ${window.missing} deliveries missing, p99 ${formatMs(window.p99Ms)}`,
    met: window.connectFailures === 0 && window.missing === 0 && window.closedByServer === 0,
  }));
  const live = windows.slice(1).map((window) => ({ clients: window.clients, p50Ms: window.p50Ms, p99Ms: window.p99Ms }));
  return {
    live,
    title: "5. Live latency: quote accepted by the object → SSE client",
    method: [
      `A job polls ${symbolCount} binance symbols (provider stand-in) every second; N clients (each its own connection, opened ${CONNECT_WAVE} at a time) follow \`GET /prices/stream?symbols=${streamed}\` for ${seconds} s. ` +
        `Events emitted in the window (less ${edgeMs(seconds)} ms at each edge) that reached any client must reach every connected client; latency is the client's arrival time minus the event's emitted_at (same machine clock). ` +
        "Points/s counts the job's points stored in D1 by quote time in the window, counted after the job stopped and D1 caught up; service CPU is the CPU time of wrangler's process group (wrangler + workerd) per second of window, bench client CPU the same for the bench's own Node process (all clients). " +
        "Latency is measured from the event's `emitted_at` (stamped by the symbol object when it makes the event of an accepted quote) to the client's arrival time, and also from the quote's own time (binance has none: the Worker's receipt of the provider's answer), which adds the hand-out from the coordinator to the object. " +
        "The service runs with MAX_STREAMS_PER_CLIENT and MAX_STREAMS_PER_SYMBOL at 5000, since every client comes from the bench's one address. " +
        "Baselines in the same run: the job with no client (points/s) and with one client (latency).",
    ],
    tables: [table],
    goals,
    notes: latencyFindings(windows.slice(1)),
  };
}

/** Where the live latency goes: before the object stamps emitted_at (hand-out, commit) and after it (fan-out to clients). */
function latencyFindings(streamed: readonly Window[]): string[] {
  return streamed
    .filter((window) => Number.isFinite(window.p50Ms))
    .map((window) => {
      const before = window.quoteP50Ms - window.p50Ms;
      return (
        `${window.clients} client(s): p50 ${formatMs(window.quoteP50Ms)} from the provider's answer to the client, of which ${formatMs(before)} before the object stamped emitted_at ` +
        `(the coordinator's hand-out to the object) and ${formatMs(window.p50Ms)} after it (the object's commit of the point, then its fan-out to ${window.clients === 1 ? "its one client" : `${window.clients} sockets`} and the Worker relaying the stream); p99 after it ${formatMs(window.p99Ms)}.`
      );
    });
}
