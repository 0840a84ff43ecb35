/**
 * The service under test: the bench Worker (../bench-worker.ts = the product + bench routes) on local workerd
 * through `wrangler dev`, with its own port, its own persisted state in a temp folder and the bench's settings.
 *
 * The Worker is bundled once at the start (`wrangler deploy --dry-run`) and served with `--no-bundle`, so the
 * run measures one snapshot of the code even while others edit the working tree (wrangler dev would otherwise
 * rebuild and restart mid-run on every save).
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { runChecked, startDetached, stopGroup } from "./process";

export interface Service {
  url: string;
  /** The wrangler dev command line, for the report. */
  command: string;
  logFile: string;
  /** Process group of wrangler and its workerd processes (for CPU accounting). */
  processGroup: number | undefined;
  /** wrangler dev's inspector (DevTools protocol) for CPU profiles. */
  inspectorPort?: number;
  /** The bench Worker's bundle (services only), for a second instance. */
  bundle?: string;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  root: string;
  workDir: string;
  vars: Readonly<Record<string, string>>;
  /** A second instance gets its own name (state folder, log); the first is "service". */
  name?: string;
  /** Reuse a bundle built for the first instance. */
  bundle?: string;
}

const READY_TIMEOUT_MS = 90_000;
/** A start (bundle, migrations, wrangler dev up) that takes longer than this fails its case instead of the run. */
const START_DEADLINE_MS = 240_000;

/**
 * `starting`, or an error naming `what` once START_DEADLINE_MS passed; a start that comes up after that is
 * stopped at once, so no wrangler outlives the run.
 */
export async function withDeadline(starting: Promise<Service>, what: string): Promise<Service> {
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(new Error(`${what} did not start within ${START_DEADLINE_MS / 1000} s`));
    }, START_DEADLINE_MS);
  });
  starting.then((service) => (late ? service.stop() : undefined)).catch(() => undefined);
  try {
    return await Promise.race([starting, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function wranglerBin(root: string): string {
  return path.join(root, "node_modules", ".bin", "wrangler");
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The Durable Object classes wrangler.toml binds, in order of first mention. */
export function durableObjectClasses(root: string): string[] {
  const config = readFileSync(path.join(root, "wrangler.toml"), "utf8");
  return [...new Set([...config.matchAll(/^\s*class_name\s*=\s*"([A-Za-z_$][\w$]*)"/gm)].map((match) => match[1]!))];
}

/**
 * The bench entry (see ../bench-worker.ts): the product's default export wrapped with the bench routes, and
 * every Durable Object class of wrangler.toml re-exported with counting storage and D1.
 */
function writeBenchEntry(root: string, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const entry = path.join(outDir, "bench-entry.ts");
  const lines = [
    `import product, * as exported from ${JSON.stringify(path.join(root, "src", "index.ts"))};`,
    `import { benchWorker, counted } from ${JSON.stringify(path.join(root, "bench", "bench-worker.ts"))};`,
    "export default benchWorker(product);",
    ...durableObjectClasses(root).map((name) => `export const ${name} = counted(exported.${name});`),
  ];
  writeFileSync(entry, lines.join("\n") + "\n");
  return entry;
}

/** Bundle the bench Worker as wrangler would deploy it; returns the bundle's path. */
async function bundleBenchWorker(root: string, outDir: string): Promise<string> {
  const entry = writeBenchEntry(root, path.join(outDir, "..", "entry"));
  // Unminified, so CPU profiles name functions; the bundle case measures the deployed (minified) build.
  await runChecked(wranglerBin(root), ["deploy", "--dry-run", "--config", "wrangler.toml", "--no-minify", "--outdir", outDir, entry], root);
  return path.join(outDir, "bench-entry.js");
}

async function applyMigrations(root: string, persistTo: string): Promise<void> {
  await runChecked(wranglerBin(root), ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], root);
}

export async function startService(options: ServiceOptions): Promise<Service> {
  const { root, workDir } = options;
  const name = options.name ?? "service";
  const persistTo = path.join(workDir, name === "service" ? "state" : `${name}-state`);
  const bundle = options.bundle ?? (await bundleBenchWorker(root, path.join(workDir, "build")));
  await applyMigrations(root, persistTo);
  const args = [
    "dev", bundle, "--config", "wrangler.toml", "--no-bundle",
    "--persist-to", persistTo,
    ...Object.entries(options.vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  ];
  return { ...(await launch(root, args, path.join(workDir, `${name === "service" ? "wrangler-dev" : name}.log`), "/health")), bundle };
}

export interface WorkerOptions {
  root: string;
  workDir: string;
  /** Its folder in workDir, its Worker name and its log's name. */
  name: string;
  /** The entry, relative to root. */
  entry: string;
  /** wrangler.toml lines after name, main and compatibility_date (bindings, migrations). */
  config?: string;
  /** A path that answers 2xx once the Worker is up. */
  readyPath: string;
  readyMethod?: "GET" | "POST";
}

/** The compatibility date of the product's wrangler.toml, so a baseline Worker runs on the same runtime behaviour. */
function compatibilityDate(root: string): string {
  const config = readFileSync(path.join(root, "wrangler.toml"), "utf8");
  return /^compatibility_date\s*=\s*"([^"]+)"/m.exec(config)?.[1] ?? "2026-10-01";
}

/** A minimal Worker of the bench's own (bench/baseline/), under its own `wrangler dev` on the same wrangler/workerd. */
export async function startWorker(options: WorkerOptions): Promise<Service> {
  const dir = path.join(options.workDir, options.name);
  mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, "wrangler.toml");
  const lines = [
    `name = ${JSON.stringify(options.name)}`,
    `main = ${JSON.stringify(path.join(options.root, options.entry))}`,
    `compatibility_date = ${JSON.stringify(compatibilityDate(options.root))}`,
    options.config ?? "",
  ];
  writeFileSync(configFile, lines.join("\n") + "\n");
  const args = ["dev", "--config", configFile, "--persist-to", path.join(dir, "state")];
  const service = await launch(options.root, args, path.join(options.workDir, `${options.name}.log`), options.readyPath, options.readyMethod);
  return { ...service, command: service.command.replace(configFile, `<tmp>/${options.name}/wrangler.toml (${options.entry})`) };
}

/** Start `wrangler dev` with these arguments on a free port and wait until `readyPath` answers. */
async function launch(root: string, devArgs: readonly string[], logFile: string, readyPath: string, readyMethod: "GET" | "POST" = "GET"): Promise<Service> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const args = [
    ...devArgs,
    "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort),
    "--show-interactive-dev-session=false", "--log-level", "warn",
  ];
  const child = startDetached(wranglerBin(root), args, root, logFile);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(`${url}${readyPath}`, readyMethod, child);
  } catch (error) {
    await stopGroup(child);
    throw new Error(`wrangler dev did not come up (log: ${logFile}): ${String(error)}`, { cause: error });
  }
  return { url, command: `wrangler ${args.join(" ")}`, logFile, processGroup: child.pid, inspectorPort, stop: () => stopGroup(child) };
}

async function waitUntilReady(url: string, method: "GET" | "POST", child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler exited with ${child.exitCode}`);
    try {
      const response = await fetch(url, { method, signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no 2xx answer from ${url} within ${READY_TIMEOUT_MS} ms`);
}
