/**
 * /openapi.json is a valid OpenAPI 3.1 document, as the app produces it now (the same document the Worker serves:
 * test/clients/typed-client.test.ts compares them). In Node, not workerd: both validators compile JSON Schemas to
 * code at run time, which workerd forbids.
 *
 * Two checks, because the official schema stops where ours starts: @seriousme/openapi-schema-validator checks the
 * document against the OpenAPI Initiative's JSON Schema for 3.1, which takes every Schema Object as any object;
 * Redocly's rules check those Schema Objects (keywords, types), that every $ref resolves, and that every example
 * matches its schema.
 */
import { createConfig, lintFromString, type NormalizedProblem } from "@redocly/openapi-core";
import { Validator } from "@seriousme/openapi-schema-validator";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { appOpenApiDocument } from "../../scripts/client-contract";

const REDOCLY_RULES = {
  struct: "error",
  "no-unresolved-refs": "error",
  "path-parameters-defined": "error",
  "operation-parameters-unique": "error",
  "no-identical-paths": "error",
  "no-enum-type-mismatch": "error",
  "no-required-schema-properties-undefined": "error",
  "no-invalid-schema-examples": "error",
  "no-invalid-parameter-examples": "error",
  "no-invalid-media-type-examples": "error",
} as const;

interface Verdict {
  /** The OpenAPI version the official schema accepted the document as ("3.1"), or its errors. */
  officialSchema: unknown;
  /** What Redocly's rules found, as "rule at pointer: message". */
  problems: string[];
}

async function validate(document: Record<string, unknown>): Promise<Verdict> {
  const validator = new Validator();
  const result = await validator.validate(document);
  const officialSchema = result.valid ? validator.version : result.errors;
  const config = await createConfig({ rules: REDOCLY_RULES });
  const found = await lintFromString({ source: JSON.stringify(document), absoluteRef: "openapi.json", config });
  return { officialSchema, problems: found.map(describeProblem) };
}

function describeProblem(problem: NormalizedProblem): string {
  return `${problem.ruleId} at ${problem.location[0]?.pointer ?? "?"}: ${problem.message}`;
}

/** Just enough of the document to break it on purpose. */
const DocumentShape = z.looseObject({
  openapi: z.string(),
  components: z.looseObject({ schemas: z.record(z.string(), z.looseObject({ properties: z.record(z.string(), z.looseObject({})) })) }),
});
type DocumentShape = z.infer<typeof DocumentShape>;

let document: DocumentShape;
beforeAll(async () => {
  document = DocumentShape.parse(JSON.parse(await appOpenApiDocument()));
});

describe("/openapi.json", () => {
  it("declares OpenAPI 3.1.0", () => {
    expect(document.openapi).toBe("3.1.0");
  });

  it("validates as OpenAPI 3.1, Schema Objects and examples included", async () => {
    expect(await validate(document)).toEqual({ officialSchema: "3.1", problems: [] });
  });
});

describe("the validation itself", () => {
  /** The document with its Price schema changed by `change`; the original is left as it is. */
  function withPrice(change: (price: Record<string, Record<string, unknown>>) => void): DocumentShape {
    const copy = structuredClone(document);
    change(copy.components.schemas.Price!.properties);
    return copy;
  }

  it("refuses a document that is not 3.1 by the official schema (one without `info`)", async () => {
    const copy = structuredClone(document);
    delete copy.info;
    expect((await validate(copy)).officialSchema).not.toBe("3.1");
  });

  it("refuses OpenAPI 3.0's `nullable`, which 3.1 replaced with a null type", async () => {
    const verdict = await validate(withPrice((price) => (price.price!.nullable = true)));
    expect(verdict.problems).toEqual([expect.stringContaining("Property `nullable` is not expected here")]);
  });

  it("refuses an example that does not match its schema", async () => {
    const verdict = await validate(withPrice((price) => (price.symbol!.example = 181.45)));
    expect(verdict.problems).toEqual([expect.stringMatching(/^no-invalid-schema-examples at #\/components\/schemas\/Price\/properties\/symbol/)]);
  });

  it("refuses a $ref to a schema that is not there", async () => {
    const verdict = await validate(withPrice((price) => (price.price = { $ref: "#/components/schemas/NoSuchSchema" })));
    expect(verdict.problems).toEqual([expect.stringContaining("Can't resolve $ref")]);
  });
});
