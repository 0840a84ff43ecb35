/**
 * `npm run bench [-- --quick] [-- --only=http,ingest]`: measures the service on local workerd against baselines
 * taken in the same run, writes BENCHMARKS.md and prints it. See the "Method" paragraphs of each case there.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { barsCase } from "./cases/bars";
import { bundleCase } from "./cases/bundle";
import type { BenchContext } from "./cases/context";
import { fanOutCase } from "./cases/fan-out";
import { httpCase } from "./cases/http";
import { movingAverageCase } from "./cases/moving-average";
import { streamCase } from "./cases/stream";
import { sustainedCase } from "./cases/sustained";
import { writeBaselinesCase } from "./cases/write-baselines";
import { BrokerStandIn } from "./node/broker-stand-in";
import { goalRows, issueGoalsTable, type Figures } from "./node/goals";
import { describeMachine, loadAverage } from "./node/machine";
import { ProviderStandIn } from "./node/provider-stand-in";
import { renderReport, type CaseReport } from "./node/report";
import { startService, withDeadline, type Service } from "./node/service";
import { parseSettings, shouldRun, type CaseName, type Settings } from "./node/settings";

const ROOT = path.resolve(import.meta.dirname, "..");
/** Logs of the last run (gitignored). */
const OUT_DIR = path.join(ROOT, "bench", ".out");

const startedAt = performance.now();

function log(message: string): void {
  console.error(`[bench ${((performance.now() - startedAt) / 1000).toFixed(1)} s] ${message}`);
}

/**
 * The service's settings: offline synthetic default, events to the broker stand-in (Kafka REST v2), no client
 * rate limit (the HTTP case starts a second instance with it on), providers at the stand-in.
 */
function serviceVars(standIn: ProviderStandIn, broker: BrokerStandIn): Record<string, string> {
  return {
    DEFAULT_PROVIDER: "synthetic",
    ...broker.sinkVars(),
    RATE_LIMIT_PER_MINUTE: "0",
    MAX_SYMBOLS_PER_JOB: "1000",
    // Every SSE client of the stream case comes from this one address.
    MAX_STREAMS_PER_CLIENT: "5000",
    MAX_STREAMS_PER_SYMBOL: "5000",
    FINNHUB_API_KEY: "bench-finnhub-key",
    PROVIDER_TIMEOUT_MS: "10000",
    ...standIn.providerVars(),
  };
}

/** A case measures, reports, and leaves the figures the Goals table needs in `figures`. */
type ServiceCase = (ctx: BenchContext, figures: Figures) => Promise<CaseReport>;

const SERVICE_CASES: readonly [CaseName, string, ServiceCase][] = [
  ["http", "1. HTTP: fresh latest price vs a bare Hono Worker", async (ctx, figures) => {
    const report = await httpCase(ctx);
    figures.http = report.figures;
    return report;
  }],
  ["write-baselines", "2. Write baselines: minimal fan-out Worker and bulk D1", async (ctx, figures) => {
    const report = await writeBaselinesCase(ctx);
    figures.writeBaselines = report.baselines;
    return report;
  }],
  ["sustained", "3. Sustained: jobs of a batch provider at interval 1 s", async (ctx, figures) => {
    const report = await sustainedCase(ctx);
    figures.sustained = report.results;
    return report;
  }],
  ["moving-average", "4. Moving average vs history size", async (ctx, figures) => {
    const report = await movingAverageCase(ctx);
    figures.movingAverage = report.largest;
    return report;
  }],
  ["stream", "5. Live latency: quote accepted by the object → SSE client", async (ctx, figures) => {
    const report = await streamCase(ctx);
    figures.live = report.live;
    return report;
  }],
  ["bars", "6. Bars from stored points vs history size", (ctx) => barsCase(ctx)],
  ["fan-out", "7. Poll fan-out: one round for 500 symbols", (ctx) => fanOutCase(ctx)],
];

/** A case that threw is reported as such; the run goes on. Each report says how busy the machine was. */
async function guarded(title: string, body: () => Promise<CaseReport>): Promise<CaseReport> {
  const load = `Load average (1/5/15 min) when the case started: ${loadAverage()}.`;
  try {
    const report = await body();
    return { ...report, method: [...report.method, load] };
  } catch (error) {
    log(`${title} failed: ${String(error)}`);
    return { title, method: [`**Failed in this run:** ${error instanceof Error ? error.message : String(error)}`, load], tables: [], goals: [], notes: [] };
  }
}

/**
 * The cases that need the service. `beforeCases` (the bundle case) runs while wrangler dev starts, and is
 * awaited before any measurement so that it never competes with one.
 */
async function runServiceCases(settings: Settings, workDir: string, commands: string[], figures: Figures, beforeCases: Promise<void>): Promise<CaseReport[]> {
  const wanted = SERVICE_CASES.filter(([name]) => shouldRun(settings, name));
  if (wanted.length === 0) {
    await beforeCases;
    return [];
  }
  const reports: CaseReport[] = [];
  const standIn = await ProviderStandIn.start();
  const broker = await BrokerStandIn.start();
  let service: Service | undefined;
  try {
    log("starting wrangler dev");
    const vars = serviceVars(standIn, broker);
    const starting = withDeadline(startService({ root: ROOT, workDir, vars }), "the service");
    await Promise.allSettled([starting, beforeCases]);
    service = await starting;
    commands.push(service.command.replaceAll(workDir, "<tmp>"));
    const ctx: BenchContext = { root: ROOT, workDir, service, standIn, broker, settings, serviceVars: vars, commands, log };
    for (const [name, title, body] of wanted) {
      log(`case ${name}`);
      reports.push(await guarded(title, () => body(ctx, figures)));
    }
  } finally {
    log("stopping wrangler dev");
    await service?.stop();
    await standIn.close();
    await broker.close();
    log("stopped");
    if (service) copyFileSync(service.logFile, path.join(OUT_DIR, "wrangler-dev.log"));
  }
  return reports;
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  mkdirSync(OUT_DIR, { recursive: true });
  const workDir = mkdtempSync(path.join(os.tmpdir(), "mds-bench-"));
  const machine = await describeMachine(ROOT);
  const commands = [
    `npm run bench${settings.mode === "quick" ? " -- --quick" : ""}`,
    "wrangler deploy --dry-run --outdir <tmp>/build bench/bench-worker.ts",
    "wrangler d1 migrations apply DB --local --persist-to <tmp>/state",
  ];
  const reports: CaseReport[] = [];
  const figures: Figures = {};
  try {
    const bundle = shouldRun(settings, "bundle")
      ? guarded("5. Bundle size", () => bundleCase(ROOT, workDir, settings.minifiedBundle)).then((report) => void reports.push(report))
      : Promise.resolve();
    reports.push(...(await runServiceCases(settings, workDir, commands, figures, bundle)));
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  machine.rows.push(["load average (1/5/15 min) at the end", loadAverage()]);
  reports.sort((a, b) => a.title.localeCompare(b.title, "en", { numeric: true }));
  const markdown = renderReport(
    { date: new Date().toISOString(), mode: settings.mode, machine, commands, durationSeconds: (performance.now() - startedAt) / 1000 },
    issueGoalsTable(goalRows(figures)),
    settings.mode === "quick" ? ["Quick run (`--quick`): smaller shapes than the goals name (the figure says which); only a full `npm run bench` measures the goals themselves."] : [],
    reports,
  );
  writeFileSync(path.join(ROOT, "BENCHMARKS.md"), markdown);
  console.log(markdown);
  log("BENCHMARKS.md written");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
