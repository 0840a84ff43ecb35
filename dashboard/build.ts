/**
 * Builds the dashboard (GET /) into dist/dashboard, the directory wrangler serves as static assets: the page, its
 * stylesheet, and one bundle of its TypeScript with lightweight-charts and zod inside (no CDN: it must work
 * offline). Run by `npm run build:dashboard`, which `npm test` and wrangler (dev and deploy, `[build]`) run first.
 */
import { cp, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";

const source = import.meta.dirname;
const output = path.join(source, "..", "dist", "dashboard");

await rm(output, { recursive: true, force: true });
await mkdir(path.join(output, "dashboard"), { recursive: true });
await build({
  entryPoints: [path.join(source, "src", "main.ts")],
  outfile: path.join(output, "dashboard", "app.js"),
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: true,
  conditions: ["production"],
  logLevel: "warning",
});
await cp(path.join(source, "index.html"), path.join(output, "index.html"));
await cp(path.join(source, "style.css"), path.join(output, "dashboard", "style.css"));
