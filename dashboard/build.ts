/**
 * Builds the dashboard (GET /) into dist/dashboard, the directory wrangler serves as static assets: the page, its
 * stylesheet, and one bundle of its TypeScript with lightweight-charts and zod inside (no CDN: it must work
 * offline), and the docs UI's files (Swagger UI from the pinned swagger-ui-dist). Run by `npm run build:dashboard`,
 * which `npm test` and wrangler (dev and deploy, `[build]`) run first.
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
await cp(path.join(source, "_headers"), path.join(output, "_headers"));

// The docs UI at /docs: Swagger UI's files from the pinned swagger-ui-dist package, and the script that starts it.
const swaggerUi = path.join(source, "..", "node_modules", "swagger-ui-dist");
await mkdir(path.join(output, "dashboard", "docs"), { recursive: true });
for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
  await cp(path.join(swaggerUi, file), path.join(output, "dashboard", "docs", file));
}
await cp(path.join(source, "docs", "docs.js"), path.join(output, "dashboard", "docs", "docs.js"));
