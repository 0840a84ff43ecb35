/** The machine a run was measured on, for the report. */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { run } from "./process";
import type { Table } from "./report";

function packageVersion(root: string, name: string): string {
  try {
    const manifest = JSON.parse(readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")) as { version?: string };
    return manifest.version ?? "unknown";
  } catch {
    return "not installed";
  }
}

async function commandOutput(root: string, command: string, args: readonly string[]): Promise<string> {
  const result = await run(command, args, root);
  return (result.stdout || result.stderr).trim().split("\n")[0] ?? "";
}

export function loadAverage(): string {
  return os.loadavg().map((load) => load.toFixed(2)).join(" / ");
}

export async function describeMachine(root: string): Promise<Table> {
  const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
  const cpu = os.cpus()[0]?.model ?? "unknown";
  return {
    headers: ["what", "value"],
    rows: [
      ["cores (`nproc`)", await commandOutput(root, "nproc", [])],
      ["CPU", cpu],
      ["memory", `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
      ["OS", `${os.type()} ${os.release()}`],
      ["node", process.version],
      ["workerd", `${await commandOutput(root, bin("workerd"), ["--version"])} (npm workerd ${packageVersion(root, "workerd")})`],
      ["wrangler", packageVersion(root, "wrangler")],
      ["autocannon", packageVersion(root, "autocannon")],
      ["load average (1/5/15 min) at start", loadAverage()],
    ],
  };
}
