/**
 * `npm start [-- wrangler dev options]`: apply the D1 migrations to the local database, then run the service
 * on local workerd with the embedded defaults (synthetic provider, log sink). Every option is passed to
 * `wrangler dev`; `--persist-to` also goes to the migrations, so both use the same local state.
 */
import { spawnSync } from "node:child_process";

const passThrough = process.argv.slice(2);

function persistOption(args: readonly string[]): string[] {
  const index = args.findIndex((arg) => arg === "--persist-to" || arg.startsWith("--persist-to="));
  if (index === -1) return [];
  const arg = args[index]!;
  return arg.includes("=") ? [arg] : [arg, args[index + 1] ?? ""];
}

function run(args: string[]): void {
  const result = spawnSync("wrangler", args, { stdio: "inherit", env: { ...process.env, CI: process.env.CI ?? "true" } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(["d1", "migrations", "apply", "DB", "--local", ...persistOption(passThrough)]);
const dev = spawnSync("wrangler", ["dev", "--var", "DEFAULT_PROVIDER:synthetic", ...passThrough], { stdio: "inherit" });
process.exit(dev.status ?? 0);
