/**
 * Bundle: the gzipped size of the deployable Worker (`wrangler deploy --dry-run --outdir`, exactly what would be
 * uploaded), and, to say where the bytes come from, esbuild's metafile grouped by package.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { runChecked } from "../node/process";
import type { CaseReport, Table } from "../node/report";
import { wranglerBin } from "../node/service";
import { formatBytes, formatRatio, ratio } from "../node/stats";

const GOAL_BYTES = 200 * 1024;

interface Metafile {
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}

interface Build {
  bytes: number;
  gzipBytes: number;
  /** wrangler's own "gzip:" figure, as it prints it. */
  wranglerGzip: string;
  byPackage: Map<string, number>;
}

/** node_modules/@scope/name/… → @scope/name; node_modules/name/… → name; src/… → src (ours). */
function packageOf(input: string): string {
  const parts = input.split("node_modules/");
  const inside = parts[parts.length - 1]!;
  if (parts.length === 1) return input.startsWith("src/") ? "src (this service)" : input.split("/")[0]!;
  const [first = "", second = ""] = inside.split("/");
  return first.startsWith("@") ? `${first}/${second}` : first;
}

function groupByPackage(metafile: Metafile): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
    }
  }
  return sizes;
}

async function build(root: string, outDir: string, minify: boolean): Promise<Build> {
  const metafile = path.join(outDir, "meta.json");
  const args = ["deploy", "--dry-run", "--outdir", outDir, "--metafile", metafile, ...(minify ? ["--minify"] : [])];
  const output = await runChecked(wranglerBin(root), args, root);
  const code = readFileSync(path.join(outDir, "index.js"));
  return {
    bytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    wranglerGzip: /gzip:\s*([\d.]+ \w+)/.exec(output)?.[1] ?? "n/a",
    byPackage: groupByPackage(JSON.parse(readFileSync(metafile, "utf8")) as Metafile),
  };
}

function sizeTable(plain: Build, minified: Build | undefined): Table {
  const row = (label: string, b: Build) => [label, formatBytes(b.bytes), formatBytes(b.gzipBytes), b.wranglerGzip, formatRatio(ratio(b.gzipBytes, GOAL_BYTES))];
  const rows = [row("as deployed (wrangler.toml)", plain)];
  if (minified) rows.push(row("the same with --minify", minified));
  return { headers: ["build", "bundle", "gzip -9", "wrangler's gzip figure", "ratio to the 200 KiB goal"], rows };
}

function packagesTable(plain: Build, top = 12): Table {
  const total = [...plain.byPackage.values()].reduce((sum, bytes) => sum + bytes, 0);
  const rows = [...plain.byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, bytes]) => [name, formatBytes(bytes), `${((bytes / total) * 100).toFixed(1)} %`]);
  return { headers: ["package (unminified bytes in the bundle)", "bytes", "share"], rows };
}

export async function bundleCase(root: string, workDir: string, withMinified: boolean): Promise<CaseReport> {
  const plain = await build(root, path.join(workDir, "bundle"), false);
  const minified = withMinified ? await build(root, path.join(workDir, "bundle-min"), true) : undefined;
  const met = plain.gzipBytes <= GOAL_BYTES;
  const notes: string[] = [];
  if (!met) {
    const ifMinified = minified ? `; with \`minify = true\` in wrangler.toml it would be ${formatBytes(minified.gzipBytes)}` : "";
    notes.push(`The deployed bundle is ${formatBytes(plain.gzipBytes)} gzipped, over the goal${ifMinified}. The package table says which dependencies the bytes come from.`);
  }
  return {
    title: "8. Bundle size",
    method: [
      "`wrangler deploy --dry-run --outdir <tmp> --metafile` builds exactly what `npm run deploy` uploads (src/index.ts, the bench code is not in it); the output is gzipped at level 9. The minified build (full mode only) is for comparison.",
    ],
    tables: [sizeTable(plain, minified), packagesTable(plain)],
    goals: [{ goal: "bundle ≤ 200 KiB gzipped", measured: formatBytes(plain.gzipBytes), met }],
    notes,
  };
}
