/**
 * HTTP: GET /prices/latest answered from the symbol's stored latest (warmed first, max_age large) against a bare
 * Hono route returning a constant JSON body of the same bytes, on the same workerd, with the same connections
 * and duration. Rounds alternate bare / latest so that drift in the machine's load hits both alike.
 */
import { expectOk, requestJson, sendJson } from "../node/http";
import { runLoad, type LoadResult } from "../node/load";
import type { CaseReport, Table } from "../node/report";
import { formatCount, formatMs, formatRatio, median, ratio } from "../node/stats";
import type { BenchContext } from "./context";

const SYMBOL = "BENCHHTTP";
const GOAL_RATIO = 0.8;

interface PriceBody {
  symbol: string;
  price: number;
  timestamp: string;
  provider: string;
}

interface Summary {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Median over rounds of this route's req/s divided by the bare route's in the same round. */
  ratioToBare: number;
}

function summarize(results: readonly LoadResult[], bare: readonly LoadResult[]): Summary {
  return {
    requestsPerSecond: median(results.map((result) => result.requestsPerSecond)),
    p50Ms: median(results.map((result) => result.p50Ms)),
    p99Ms: median(results.map((result) => result.p99Ms)),
    ratioToBare: median(results.map((result, round) => ratio(result.requestsPerSecond, bare[round]!.requestsPerSecond))),
  };
}

function resultRow(result: LoadResult, baseline: LoadResult): string[] {
  return [
    result.label,
    formatCount(result.requests),
    formatCount(result.requestsPerSecond),
    formatMs(result.p50Ms),
    formatMs(result.p99Ms),
    formatRatio(ratio(result.requestsPerSecond, baseline.requestsPerSecond)),
    String(result.non2xx + result.errors),
  ];
}

function summaryRow(label: string, summary: Summary, baseline: Summary): string[] {
  return [
    label,
    formatCount(summary.requestsPerSecond),
    formatMs(summary.p50Ms),
    formatMs(summary.p99Ms),
    formatRatio(summary.ratioToBare),
    formatRatio(ratio(summary.p50Ms, baseline.p50Ms)),
  ];
}

interface Route {
  label: string;
  url: string;
  results: LoadResult[];
}

export async function httpCase(ctx: BenchContext): Promise<CaseReport> {
  const { url } = ctx.service;
  const { connections, durationSeconds, warmupSeconds, rounds } = ctx.settings.http;
  const latestUrl = `${url}/prices/latest?symbol=${SYMBOL}&max_age=86400`;
  const bareUrl = `${url}/__bench/bare`;

  // Warm: the first request polls the provider and stores the latest; the bare route then answers its twin.
  const warm = expectOk(await requestJson<PriceBody>(latestUrl), "warming /prices/latest");
  const bareSetup = expectOk(await sendJson<{ bytes: number }>(bareUrl, "PUT", warm), "setting the bare body");
  const routes: Route[] = [
    { label: "bare route", url: bareUrl, results: [] },
    { label: "bare route + symbol object RPC", url: `${url}/__bench/object-latest?symbol=${SYMBOL}&provider=${warm.provider}`, results: [] },
    { label: "/prices/latest", url: latestUrl, results: [] },
  ];
  for (const route of routes) await runLoad({ label: "warm-up", url: route.url, connections, durationSeconds: warmupSeconds });
  for (let round = 1; round <= rounds; round++) {
    ctx.log(`http: round ${round}/${rounds}`);
    // Each round starts with the next route, so no route always runs first (or right after the same one).
    for (let turn = 0; turn < routes.length; turn++) {
      const route = routes[(round - 1 + turn) % routes.length]!;
      route.results.push(await runLoad({ label: `${route.label}, round ${round}`, url: route.url, connections, durationSeconds }));
    }
  }
  const after = expectOk(await requestJson<PriceBody>(latestUrl), "reading /prices/latest after the run");
  const servedFromStore = after.timestamp === warm.timestamp;

  const bareResults = routes[0]!.results;
  const [bare, object, latest] = routes.map((route) => summarize(route.results, bareResults)) as [Summary, Summary, Summary];
  const latestRatio = latest.ratioToBare;
  const roundsTable: Table = {
    headers: ["run", "requests", "req/s", "p50", "p99", "req/s ratio to bare (same round)", "non-2xx + errors"],
    rows: routes[0]!.results.flatMap((baseline, index) => routes.map((route) => resultRow(route.results[index]!, baseline))),
  };
  const summaryTable: Table = {
    headers: ["route (median of rounds)", "req/s", "p50", "p99", "req/s ratio (median of per-round ratios)", "p50 ratio"],
    rows: [
      summaryRow("bare Hono route, constant JSON (baseline)", bare, bare),
      summaryRow("profile: bare route + the symbol object's latest() RPC", object, bare),
      summaryRow("GET /prices/latest (fresh, from the symbol object)", latest, bare),
    ],
  };
  return {
    title: "1. HTTP: fresh latest price vs a bare route",
    method: [
      `${connections} connections, ${durationSeconds} s per run, ${rounds} round(s), each running the three routes in turn (the first route rotating from round to round) after ${warmupSeconds} s warm-ups of each; short interleaved runs and medians, because other work on this shared machine comes and goes; autocannon in the bench's Node process; latencies are every response's own time (not autocannon's whole-ms histogram).`,
      `Bare route: \`GET /__bench/bare\` of bench/bench-worker.ts, a Hono route answering \`c.json(constant)\` with a copy of a real /prices/latest body (${bareSetup.bytes} bytes of JSON each), in the same Worker, workerd and port as the product. ` +
        `Product route: \`GET /prices/latest?symbol=${SYMBOL}&max_age=86400\`, warmed by one request first. ` +
        `The quote time was the same before and after the run (${servedFromStore ? "yes" : "NO"}): every answer came from the stored latest, none from the provider.`,
      "Profile row: `GET /__bench/object-latest` is the bare route plus the one thing the product adds on this path that is not routing: the Durable Object RPC `latest(target, max_age)` to the symbol's object (answered from its memory). What remains between it and /prices/latest is the product's middleware, zod-openapi validation and failover wrapper.",
    ],
    tables: [summaryTable, roundsTable],
    goals: [{ goal: `latest ≥ ${GOAL_RATIO}× the bare route (req/s)`, measured: formatRatio(latestRatio), met: latestRatio >= GOAL_RATIO }],
    notes: latestRatio >= GOAL_RATIO ? [] : [httpFinding(bare, object, latest)],
  };
}

/** Where the time of a fresh latest goes, per request, from the three routes' throughput. */
function httpFinding(bare: Summary, object: Summary, latest: Summary): string {
  const perRequest = (summary: Summary) => 1000 / summary.requestsPerSecond;
  const rpcMs = perRequest(object) - perRequest(bare);
  const restMs = perRequest(latest) - perRequest(object);
  const extraMs = perRequest(latest) - perRequest(bare);
  const share = (part: number) => `${((part / extraMs) * 100).toFixed(0)} %`;
  return (
    `Missed: at saturation a fresh latest costs ${formatMs(extraMs)} of server time per request more than the bare route (${formatMs(perRequest(latest))} vs ${formatMs(perRequest(bare))}, from req/s). ` +
    `The symbol object RPC accounts for ${formatMs(rpcMs)} (${share(rpcMs)}); the product's middleware, validation and failover wrapper for ${formatMs(restMs)} (${share(restMs)}). ` +
    "No D1 query is made (the quote time never changed and the object answers from memory); the cost is the hop to the Durable Object, which every request pays because the Worker keeps no copy of a fresh quote."
  );
}
