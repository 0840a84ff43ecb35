/**
 * HTTP: a fresh GET /prices/latest (warmed first, max_age large, so no answer asks the provider) against two
 * baselines in the same run: a bare Hono Worker of its own (bench/baseline/bare-worker.ts under its own wrangler
 * dev: the runtime's ceiling) and a bare route inside the service's Worker (what the product's middleware costs
 * on top). Then the same latest on a second instance of the service with the default per-client rate limiter on
 * (RATE_LIMIT_PER_MINUTE far above what the run sends, so nothing is refused). Rounds run every route in turn,
 * the first one rotating, so drift in the machine's load hits all alike; ratios are per round, then the median.
 */
import { expectOk, requestJson, sendJson } from "../node/http";
import { runLoad, type LoadResult } from "../node/load";
import { tryProfile } from "../node/profile";
import type { CaseReport, Goal, Table } from "../node/report";
import { startService, startWorker, withDeadline, type Service } from "../node/service";
import { formatCount, formatMs, formatRatio, median, ratio } from "../node/stats";
import type { BenchContext } from "./context";

const SYMBOL = "BENCHHTTP";
export const LATEST_GOAL = 0.9;
export const LIMITED_GOAL = 0.8;
/** Far above what any run sends from one client in a minute: the limiter counts, never refuses. */
const NEVER_REFUSING_LIMIT = "100000000";

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
  /** Median over rounds of this route's req/s divided by the bare Worker's in the same round. */
  ratioToBare: number;
}

interface Route {
  key: "worker" | "inWorker" | "latest" | "limited";
  label: string;
  url: string;
  results: LoadResult[];
}

export interface HttpFigures {
  latestRatio: number;
  limitedRatio: number;
  latestRps: number;
  limitedRps: number;
  bareRps: number;
  inWorkerRatio: number;
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

/** The second instance of the service: same bundle, its own state, the default limiter on. */
function startLimited(ctx: BenchContext): Promise<Service> {
  return startService({
    root: ctx.root,
    workDir: ctx.workDir,
    name: "service-limited",
    bundle: ctx.service.bundle,
    vars: { ...ctx.serviceVars, RATE_LIMIT_PER_MINUTE: NEVER_REFUSING_LIMIT },
  });
}

export async function httpCase(ctx: BenchContext): Promise<CaseReport & { figures: HttpFigures }> {
  const { connections, durationSeconds, warmupSeconds, rounds } = ctx.settings.http;
  ctx.log("http: starting the bare Worker and the rate-limited service");
  // One after the other: two wrangler starts at once on this machine have been seen to stall.
  const bareWorker = await withDeadline(startWorker({ root: ctx.root, workDir: ctx.workDir, name: "bench-bare", entry: "bench/baseline/bare-worker.ts", readyPath: "/x" }), "the bare Worker");
  ctx.log("http: bare Worker up");
  let limited: Service;
  try {
    limited = await withDeadline(startLimited(ctx), "the rate-limited service");
  } catch (error) {
    await bareWorker.stop();
    throw error;
  }
  ctx.log("http: rate-limited service up");
  ctx.commands.push(bareWorker.command.replaceAll(ctx.workDir, "<tmp>"), limited.command.replaceAll(ctx.workDir, "<tmp>"));
  try {
    return await measure(ctx, bareWorker, limited, { connections, durationSeconds, warmupSeconds, rounds });
  } finally {
    await Promise.all([bareWorker.stop(), limited.stop()]);
  }
}

interface Shape {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  rounds: number;
}

async function measure(ctx: BenchContext, bareWorker: Service, limited: Service, shape: Shape): Promise<CaseReport & { figures: HttpFigures }> {
  const { connections, durationSeconds, warmupSeconds, rounds } = shape;
  const latestPath = `/prices/latest?symbol=${SYMBOL}&max_age=86400`;
  // Warm: the first request polls the provider and stores the latest; the bare routes then answer its twin.
  const warm = expectOk(await requestJson<PriceBody>(`${ctx.service.url}${latestPath}`), "warming /prices/latest");
  expectOk(await requestJson<PriceBody>(`${limited.url}${latestPath}`), "warming /prices/latest (limiter on)");
  const bytes = expectOk(await sendJson<{ bytes: number }>(`${bareWorker.url}/x`, "PUT", warm), "setting the bare Worker's body").bytes;
  expectOk(await sendJson<{ bytes: number }>(`${ctx.service.url}/__bench/bare`, "PUT", warm), "setting the in-Worker bare body");
  const routes: Route[] = [
    { key: "worker", label: "bare Hono Worker", url: `${bareWorker.url}/x`, results: [] },
    { key: "inWorker", label: "in-Worker bare route", url: `${ctx.service.url}/__bench/bare`, results: [] },
    { key: "latest", label: "/prices/latest", url: `${ctx.service.url}${latestPath}`, results: [] },
    { key: "limited", label: "/prices/latest, limiter on", url: `${limited.url}${latestPath}`, results: [] },
  ];
  for (const route of routes) await runLoad({ label: "warm-up", url: route.url, connections, durationSeconds: warmupSeconds });
  for (let round = 1; round <= rounds; round++) {
    ctx.log(`http: round ${round}/${rounds}`);
    for (let turn = 0; turn < routes.length; turn++) {
      const route = routes[(round - 1 + turn) % routes.length]!;
      route.results.push(await runLoad({ label: `${route.label}, round ${round}`, url: route.url, connections, durationSeconds }));
    }
  }
  const after = expectOk(await requestJson<PriceBody>(`${ctx.service.url}${latestPath}`), "reading /prices/latest after the run");
  const servedFromStore = after.timestamp === warm.timestamp;

  const bareResults = routes[0]!.results;
  const [bare, inWorker, latest, limitedSummary] = routes.map((route) => summarize(route.results, bareResults)) as [Summary, Summary, Summary, Summary];
  const figures: HttpFigures = {
    latestRatio: latest.ratioToBare,
    limitedRatio: limitedSummary.ratioToBare,
    latestRps: latest.requestsPerSecond,
    limitedRps: limitedSummary.requestsPerSecond,
    bareRps: bare.requestsPerSecond,
    inWorkerRatio: inWorker.ratioToBare,
  };
  const notes: string[] = [];
  const missed = figures.latestRatio < LATEST_GOAL || figures.limitedRatio < LIMITED_GOAL;
  if (missed) {
    ctx.log("http: profiling the service under load");
    const profileRun = (url: string) => () => runLoad({ label: "profile", url, connections, durationSeconds: Math.max(2, durationSeconds) });
    notes.push(httpFinding(bare, inWorker, latest, limitedSummary));
    if (figures.latestRatio < LATEST_GOAL) notes.push(`Profile of the service's isolate while /prices/latest was under load: ${await tryProfile(ctx.service, profileRun(routes[2]!.url))}`);
    if (figures.limitedRatio < LIMITED_GOAL) notes.push(`Profile of the limited instance's isolate while its /prices/latest was under load: ${await tryProfile(limited, profileRun(routes[3]!.url))}`);
  }
  const roundsTable: Table = {
    headers: ["run", "requests", "req/s", "p50", "p99", "req/s ratio to the bare Worker (same round)", "non-2xx + errors"],
    rows: bareResults.flatMap((baseline, index) => routes.map((route) => resultRow(route.results[index]!, baseline))),
  };
  const summaryTable: Table = {
    headers: ["route (median of rounds)", "req/s", "p50", "p99", "req/s ratio to the bare Worker (median of per-round ratios)", "p50 ratio"],
    rows: [
      summaryRow("bare Hono Worker of its own, GET /x (baseline)", bare, bare),
      summaryRow("bare route inside the service's Worker, GET /__bench/bare", inWorker, bare),
      summaryRow("GET /prices/latest (fresh)", latest, bare),
      summaryRow(`GET /prices/latest (fresh), RATE_LIMIT_PER_MINUTE=${NEVER_REFUSING_LIMIT}`, limitedSummary, bare),
    ],
  };
  // This case's goals are the first two rows of the Goals table (node/goals.ts).
  const goals: Goal[] = [];
  return {
    title: "1. HTTP: fresh latest price vs a bare Hono Worker",
    method: [
      `${connections} connections, ${durationSeconds} s per run, ${rounds} round(s), each running the four routes in turn (the first route rotating from round to round) after ${warmupSeconds} s warm-ups of each; autocannon in the bench's Node process; latencies are every response's own time.`,
      `Baseline: \`GET /x\` of bench/baseline/bare-worker.ts, a Worker of its own (Hono, one route, \`c.json(constant)\`) under its own \`wrangler dev\` on the same wrangler and workerd, answering a copy of a real /prices/latest body (${bytes} bytes). ` +
        "Beside it the same constant from a bare route inside the service's Worker (`GET /__bench/bare`, no product middleware): the gap between the two is the bench entry's routing, the gap to /prices/latest is the product's. " +
        `Product: \`GET ${latestPath}\`, warmed by one request first; the quote time was the same before and after the run (${servedFromStore ? "yes" : "NO"}), so no answer asked the provider. ` +
        `Limiter on: a second instance of the service (same bundle, own state) with RATE_LIMIT_PER_MINUTE=${NEVER_REFUSING_LIMIT}, every request from one client, so the limiter counts each one and refuses none.`,
    ],
    tables: [summaryTable, roundsTable],
    goals,
    notes,
    figures,
  };
}

/** Where the time of a fresh latest goes, per request, from the routes' throughput. */
function httpFinding(bare: Summary, inWorker: Summary, latest: Summary, limited: Summary): string {
  const perRequest = (summary: Summary) => 1000 / summary.requestsPerSecond;
  return (
    `Per request at saturation (1 / req/s): bare Worker ${formatMs(perRequest(bare))}, in-Worker bare route ${formatMs(perRequest(inWorker))}, ` +
    `fresh latest ${formatMs(perRequest(latest))}, with the limiter ${formatMs(perRequest(limited))}. ` +
    `The product's route costs ${formatMs(perRequest(latest) - perRequest(inWorker))} more than a bare route in the same Worker; ` +
    (perRequest(limited) > perRequest(latest)
      ? `the limiter ${formatMs(perRequest(limited) - perRequest(latest))} more on top.`
      : "the limiter's instance was not slower than the one without it in this run (within the noise of this machine).")
  );
}
