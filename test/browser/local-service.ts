/**
 * The service as `npm start` runs it, for tests that need a real HTTP server (a browser cannot reach the
 * vitest workerd): `wrangler dev` with the embedded defaults on a free port, its local state (D1, Durable
 * Objects) in a fresh temporary directory with the migrations applied first.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const STARTUP_TIMEOUT_MS = 90_000;

export interface LocalService {
  url: string;
  /** What wrangler printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

/** Non-interactive, no telemetry: the machine may have no network beyond localhost. */
const wranglerEnv = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" };

export async function startLocalService(): Promise<LocalService> {
  const state = await mkdtemp(path.join(tmpdir(), "market-data-dev-"));
  const migrations = spawnSync(process.execPath, [WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--persist-to", state], {
    cwd: ROOT,
    env: wranglerEnv,
    encoding: "utf8",
  });
  if (migrations.status !== 0) throw new Error(`applying the migrations failed:\n${migrations.stdout}\n${migrations.stderr}`);

  const [port, inspectorPort] = [await freePort(), await freePort()];
  const args = ["dev", "--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(inspectorPort)];
  args.push("--var", "DEFAULT_PROVIDER:synthetic", "--persist-to", state);
  // Its own process group, so stopping it stops workerd too.
  const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: ROOT, env: wranglerEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let printed = "";
  child.stdout.on("data", (chunk: Buffer) => (printed += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (printed += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const service: LocalService = { url, output: () => printed, stop: () => stop(child, state) };
  try {
    await waitUntilHealthy(url, child, () => printed);
  } catch (error) {
    await service.stop();
    throw error;
  }
  return service;
}

async function waitUntilHealthy(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output()}`);
    const healthy = await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler dev did not answer /health within ${STARTUP_TIMEOUT_MS / 1000} s:\n${output()}`);
}

async function stop(child: ChildProcess, state: string): Promise<void> {
  if (child.exitCode === null && child.pid !== undefined) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(-child.pid, "SIGTERM");
    const killed = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 5_000))]);
    if (!killed) process.kill(-child.pid, "SIGKILL");
  }
  await rm(state, { recursive: true, force: true });
}
