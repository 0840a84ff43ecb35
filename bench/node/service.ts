/**
 * The service under test: the bench Worker (../bench-worker.ts = the product + bench routes) on local workerd
 * through `wrangler dev`, with its own port, its own persisted state in a temp folder and the bench's settings.
 *
 * The Worker is bundled once at the start (`wrangler deploy --dry-run`) and served with `--no-bundle`, so the
 * run measures one snapshot of the code even while others edit the working tree (wrangler dev would otherwise
 * rebuild and restart mid-run on every save).
 */
import type { ChildProcess } from "node:child_process";
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
  stop(): Promise<void>;
}

export interface ServiceOptions {
  root: string;
  workDir: string;
  vars: Readonly<Record<string, string>>;
}

const READY_TIMEOUT_MS = 90_000;

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

/** Bundle the bench Worker as wrangler would deploy it; returns the bundle's path. */
async function bundleBenchWorker(root: string, outDir: string): Promise<string> {
  await runChecked(wranglerBin(root), ["deploy", "--dry-run", "--outdir", outDir, "bench/bench-worker.ts"], root);
  return path.join(outDir, "bench-worker.js");
}

async function applyMigrations(root: string, persistTo: string): Promise<void> {
  await runChecked(wranglerBin(root), ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], root);
}

export async function startService(options: ServiceOptions): Promise<Service> {
  const { root, workDir } = options;
  const persistTo = path.join(workDir, "state");
  const bundle = await bundleBenchWorker(root, path.join(workDir, "build"));
  await applyMigrations(root, persistTo);
  const port = await freePort();
  const args = [
    "dev", bundle, "--config", "wrangler.toml", "--no-bundle",
    "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort()),
    "--persist-to", persistTo, "--show-interactive-dev-session=false", "--log-level", "warn",
    ...Object.entries(options.vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  ];
  const logFile = path.join(workDir, "wrangler-dev.log");
  const child = startDetached(wranglerBin(root), args, root, logFile);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(url, child);
  } catch (error) {
    await stopGroup(child);
    throw new Error(`wrangler dev did not come up (log: ${logFile}): ${String(error)}`, { cause: error });
  }
  return { url, command: `wrangler ${args.join(" ")}`, logFile, processGroup: child.pid, stop: () => stopGroup(child) };
}

async function waitUntilReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no healthy answer from ${url}/health within ${READY_TIMEOUT_MS} ms`);
}
