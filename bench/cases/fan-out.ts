/**
 * Poll fan-out: one polling round for 500 symbols started by POST /prices/poll, against the provider stand-in
 * (recorded answer shapes, `delayMs` per answer). Counts the provider requests at the stand-in and times the
 * round until the job has a run (a poll, ok or failed) for every symbol.
 */
import { expectOk, requestJson, sendJson } from "../node/http";
import type { CaseReport, Goal, Table } from "../node/report";
import { formatCount, formatMs } from "../node/stats";
import { benchSymbol, type BenchContext } from "./context";

interface Job {
  job_id: string;
  runs: number;
  errors: number;
  last_error: string | null;
}

interface ProviderSpec {
  name: "binance" | "finnhub";
  batchSize: number;
  /** Requests a minute the provider's budget allows (src/providers/<name>.ts). */
  perMinute: number;
  symbolPrefix: string;
  /** Path the stand-in counts requests on. */
  requestPath: string;
}

const PROVIDERS: readonly ProviderSpec[] = [
  { name: "binance", batchSize: 100, perMinute: 1200, symbolPrefix: "FOB", requestPath: "/binance/api/v3/ticker/price" },
  { name: "finnhub", batchSize: 1, perMinute: 60, symbolPrefix: "FOF", requestPath: "/finnhub/api/v1/quote" },
];

interface Round {
  spec: ProviderSpec;
  symbols: number;
  requests: number;
  expectedRequests: number;
  /** Requests whose query was not one of the expected batches. */
  unexpectedBatches: number;
  postMs: number;
  wallMs: number;
  requestSpanMs: number;
  job: Job;
  complete: boolean;
}

async function waitForRuns(ctx: BenchContext, jobId: string, runs: number): Promise<{ job: Job; complete: boolean }> {
  const deadline = Date.now() + ctx.settings.fanOut.timeoutMs;
  for (;;) {
    const job = expectOk(await requestJson<Job>(`${ctx.service.url}/prices/poll/${jobId}`), "reading the job");
    if (job.runs >= runs) return { job, complete: true };
    if (Date.now() > deadline) return { job, complete: false };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function expectedQueries(spec: ProviderSpec, symbols: readonly string[]): Set<string> {
  const queries = new Set<string>();
  for (let start = 0; start < symbols.length; start += spec.batchSize) {
    const batch = symbols.slice(start, start + spec.batchSize);
    queries.add(spec.batchSize === 1 ? `symbol=${encodeURIComponent(batch[0]!)}` : `symbols=${encodeURIComponent(JSON.stringify(batch))}`);
  }
  return queries;
}

async function pollRound(ctx: BenchContext, spec: ProviderSpec): Promise<Round> {
  const { symbols: count, delayMs } = ctx.settings.fanOut;
  const symbols = Array.from({ length: count }, (_, index) => benchSymbol(spec.symbolPrefix, index));
  if (spec.name === "binance") ctx.standIn.serveBinance(symbols, spec.batchSize, delayMs);
  else ctx.standIn.serveFinnhub(symbols, delayMs);
  ctx.log(`fan-out: ${spec.name}, ${count} symbols`);

  const since = Date.now();
  const startedAt = performance.now();
  const accepted = expectOk(
    await sendJson<{ job_id: string }>(`${ctx.service.url}/prices/poll`, "POST", { symbols, interval: 3600, provider: spec.name }),
    `POST /prices/poll (${spec.name})`,
  );
  const postMs = performance.now() - startedAt;
  const { job, complete } = await waitForRuns(ctx, accepted.job_id, count);
  const wallMs = performance.now() - startedAt;
  await sendJson(`${ctx.service.url}/prices/poll/${accepted.job_id}`, "DELETE");

  const requests = await ctx.standIn.requests(spec.requestPath, since);
  const expected = expectedQueries(spec, symbols);
  const unexpectedBatches = requests.filter((request) => !expected.has(request.url.split("?")[1]?.split("&token=")[0] ?? "")).length;
  const times = requests.map((request) => request.at);
  return {
    spec,
    symbols: count,
    requests: requests.length,
    expectedRequests: Math.ceil(count / spec.batchSize),
    unexpectedBatches,
    postMs,
    wallMs,
    requestSpanMs: times.length > 0 ? Math.max(...times) - Math.min(...times) : 0,
    job,
    complete,
  };
}

function roundRow(round: Round): string[] {
  const ok = round.job.runs - round.job.errors;
  return [
    `${round.spec.name} (${round.spec.batchSize}/request, budget ${round.spec.perMinute}/min)`,
    String(round.symbols),
    `${round.requests} (expected ${round.expectedRequests}${round.unexpectedBatches > 0 ? `, ${round.unexpectedBatches} not an expected batch` : ""})`,
    `${ok} ok, ${round.job.errors} failed${round.complete ? "" : " (timed out waiting)"}`,
    formatMs(round.postMs),
    formatMs(round.wallMs),
    formatMs(round.requestSpanMs),
  ];
}

function budgetNote(round: Round): string | undefined {
  if (round.job.errors === 0) return undefined;
  const polled = round.job.runs - round.job.errors;
  const minutes = Math.ceil(round.symbols / round.spec.perMinute) - 1;
  return (
    `${round.spec.name}: ${polled} symbols were polled and ${round.job.errors} refused by the provider's budget (${round.spec.perMinute} requests/minute, ` +
    `its free plan; a paid plan raises it with ${round.spec.name.toUpperCase()}_REQUESTS_PER_MINUTE), last error: "${round.job.last_error ?? ""}". ` +
    `At that budget one round of ${round.symbols} symbols takes at least ${minutes} more minute(s) after the first ${round.spec.perMinute} requests (≈ ${formatCount(round.symbols / round.spec.perMinute)} budget-minutes), whatever the service does; the refused polls are retried after the budget's Retry-After.`
  );
}

export async function fanOutCase(ctx: BenchContext): Promise<CaseReport> {
  const rounds: Round[] = [];
  for (const spec of PROVIDERS) rounds.push(await pollRound(ctx, spec));
  const table: Table = {
    headers: ["provider", "symbols", "provider requests", "polls", "POST /prices/poll", "wall time (POST → a run per symbol)", "first → last provider request"],
    rows: rounds.map(roundRow),
  };
  const goals: Goal[] = rounds
    .filter((round) => round.spec.batchSize > 1)
    .map((round) => ({
      goal: `fan-out requests = ⌈${round.symbols}/${round.spec.batchSize}⌉ for a batch provider (${round.spec.name})`,
      measured: `${round.requests} requests (expected ${round.expectedRequests})`,
      met: round.requests === round.expectedRequests && round.unexpectedBatches === 0 && round.job.errors === 0,
    }));
  return {
    title: "7. Poll fan-out: one round for 500 symbols",
    method: [
      `One job of ${ctx.settings.fanOut.symbols} symbols (interval 3600 s, so exactly one round is measured) per provider, the provider pinned. The stand-in (test/support/fixture-server.ts) answers after ${ctx.settings.fanOut.delayMs} ms with the recorded bodies of shared/fixtures/providers (binance: an array of \`{"symbol","price":"…"}\` ticker objects, exactly the batch asked for; finnhub: the recorded /quote body with c and t substituted) and counts requests.`,
      "Wall time runs from sending POST /prices/poll until GET /prices/poll/{id} shows one run per symbol (a run is a poll, ok or failed, so a poll refused by the budget counts as done); the job is then deleted.",
    ],
    tables: [table],
    goals,
    notes: rounds.map(budgetNote).filter((note): note is string => note !== undefined),
  };
}
