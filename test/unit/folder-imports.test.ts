/**
 * The house rule that keeps src/ readable one folder at a time: no two folders of src/ import each other, directly
 * or round a longer loop, type-only imports included. Read from the import lines of every file, as text.
 */
import { describe, expect, it } from "vitest";

const sources = import.meta.glob<string>("../../src/**/*.ts", { query: "?raw", import: "default", eager: true });

const IMPORT_FROM = /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*"(\.{1,2}\/[^"]+)"|import\(\s*"(\.{1,2}\/[^"]+)"\s*\)/g;

/** The folder of src/ a file is in (`routes` for every route), or undefined for a file at the root of src/. */
function folderOf(path: string): string | undefined {
  const parts = path.slice(path.indexOf("/src/") + "/src/".length).split("/");
  return parts.length > 1 ? parts[0] : undefined;
}

/** For each folder of src/, the other folders its files import. */
function folderImports(): Map<string, Set<string>> {
  const imports = new Map<string, Set<string>>();
  for (const [file, text] of Object.entries(sources)) {
    const from = folderOf(file);
    if (from === undefined) continue;
    for (const match of text.matchAll(IMPORT_FROM)) {
      const target = new URL(match[1] ?? match[2]!, `file:///${file.replace(/^(\.\.\/)+/, "")}`).pathname;
      const to = folderOf(target);
      if (to === undefined || to === from) continue;
      if (!imports.has(from)) imports.set(from, new Set());
      imports.get(from)!.add(to);
    }
  }
  return imports;
}

/** Every loop of folders, each written once, starting at its smallest name. */
function folderLoops(imports: Map<string, Set<string>>): string[] {
  const loops: string[] = [];
  const walk = (path: string[]) => {
    for (const next of imports.get(path.at(-1)!) ?? []) {
      if (next === path[0]) loops.push([...path, next].join(" → "));
      else if (!path.includes(next) && next > path[0]!) walk([...path, next]);
    }
  };
  for (const folder of imports.keys()) walk([folder]);
  return loops;
}

describe("folders of src/", () => {
  it("read the import lines of every file", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(50);
    expect(folderImports().get("jobs")).toContain("objects");
  });

  it("import each other in no loop, type-only imports included", () => {
    expect(folderLoops(folderImports())).toEqual([]);
  });
});
