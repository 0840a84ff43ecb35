/** Child processes of the bench: one-shot commands, and long-running ones stopped by their own process group. */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import path from "node:path";

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Environment for every wrangler the bench starts: no telemetry, no prompts, and this Node (22, the project's)
 * first on PATH, since wrangler's launcher runs whatever `node` PATH finds.
 */
export function quietEnv(): NodeJS.ProcessEnv {
  const PATH = [path.dirname(process.execPath), process.env.PATH ?? ""].join(path.delimiter);
  return { ...process.env, PATH, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1", FORCE_COLOR: "0" };
}

/** Run a command to its end and collect its output. */
export function run(command: string, args: readonly string[], cwd: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: quietEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    // "exit", not "close": a grandchild (wrangler's workerd) may keep the pipes open after the command ended.
    // Output still in flight is given a moment to arrive.
    child.on("exit", (code) => setTimeout(() => resolve({ code, stdout, stderr }), 200));
  });
}

/** Run a command that must succeed; its output is in the error otherwise. */
export async function runChecked(command: string, args: readonly string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${String(result.code)}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** Start a long-running command in its own process group, its output going to `logFile`. */
export function startDetached(command: string, args: readonly string[], cwd: string, logFile: string): ChildProcess {
  const log = createWriteStream(logFile);
  const child = spawn(command, args, { cwd, env: quietEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

/** Stop a process group started by startDetached (wrangler and the workerd processes it spawned). */
export async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  signalGroup(child.pid, "SIGTERM");
  const timer = setTimeout(() => signalGroup(child.pid!, "SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
  // workerd may outlive wrangler for a moment; the group id is ours alone.
  signalGroup(child.pid, "SIGKILL");
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
