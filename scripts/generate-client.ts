/**
 * `npm run client:generate`: write client/openapi.json and client/schema.d.ts from the app's current OpenAPI
 * document. `-- --check` writes nothing and fails when the committed files differ from what the app produces
 * (CI runs it, so a schema change cannot land without the client's types following it).
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { appOpenApiDocument, CLIENT_DOCUMENT_PATH, CLIENT_TYPES_PATH, clientTypes } from "./client-contract";

const ROOT = path.resolve(import.meta.dirname, "..");
const checkOnly = process.argv.includes("--check");

const document = await appOpenApiDocument();
const expected = new Map([
  [CLIENT_DOCUMENT_PATH, document],
  [CLIENT_TYPES_PATH, await clientTypes(document)],
]);

const stale: string[] = [];
for (const [file, content] of expected) {
  const committed = await readFile(path.join(ROOT, file), "utf8").catch((error: unknown) => {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return null;
    throw error;
  });
  if (committed === content) continue;
  stale.push(file);
  if (!checkOnly) await writeFile(path.join(ROOT, file), content);
}

if (checkOnly && stale.length > 0) {
  console.error(`out of date with the app's /openapi.json: ${stale.join(", ")}; run \`npm run client:generate\` and commit the result`);
  process.exit(1);
}
console.log(stale.length === 0 ? "client/ is up to date with the app's /openapi.json" : `wrote ${stale.join(", ")}`);
