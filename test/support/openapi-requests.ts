/**
 * Hostile requests for every operation of an OpenAPI 3.1 document, as fast-check arbitraries (used by
 * test/security/fuzz.test.ts). Nothing here knows the service's routes: operations, parameters and body schemas
 * are read from the document, so a route added to the app is fuzzed without touching this file.
 *
 * Each generated value is a mix, at every level, of what the schema asks for (its enum, its example and values
 * like it, numbers in its range) and what it does not (unicode, path traversal, SQL fragments, NUL and control
 * characters, 10 KB strings, numbers out of range, wrong types, extra fields). Around that: malformed JSON,
 * oversized bodies, wrong content types and wrong methods.
 *
 * Two guards keep the fuzzer off the network and off real work: no generated string ever names a real provider
 * (the tests' providers point at a fixture server that answers 404: correct, but slow), so a provider is always
 * `synthetic` (named or by default); and arrays of schema-valid items stay short, so an accepted polling job
 * never asks for more than a handful of symbols.
 */
import fc from "fast-check";
import { z } from "zod";

/** The request body limit the service enforces (src/access/request-limits.ts). */
export const BODY_LIMIT_BYTES = 64 * 1024;

// Aliases too (yahoo, yahoo_finance, alphavantage): they name the same real providers.
const REAL_PROVIDERS: readonly string[] = ["yfinance", "alpha_vantage", "finnhub", "binance", "polygon", "yahoo", "yahoo_finance", "alphavantage"];
const SAFE_PROVIDER = "synthetic";
const HTTP_METHODS = ["get", "post", "put", "patch", "delete", "options", "head"] as const;
/** Longest array of schema-valid items the fuzzer builds (a job's symbols: each one is a polling loop). */
const MAX_VALID_ITEMS = 5;

// ---------------------------------------------------------------------------------------------------------
// The document, as far as the fuzzer reads it.

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  example?: unknown;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

const JsonSchemaSchema: z.ZodType<JsonSchema> = z.lazy(() =>
  z.looseObject({
    $ref: z.string().optional(),
    type: z.union([z.string(), z.array(z.string())]).optional(),
    enum: z.array(z.unknown()).optional(),
    example: z.unknown().optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    maxLength: z.number().optional(),
    minItems: z.number().optional(),
    maxItems: z.number().optional(),
    items: JsonSchemaSchema.optional(),
    properties: z.record(z.string(), JsonSchemaSchema).optional(),
    required: z.array(z.string()).optional(),
    anyOf: z.array(JsonSchemaSchema).optional(),
    oneOf: z.array(JsonSchemaSchema).optional(),
    allOf: z.array(JsonSchemaSchema).optional(),
  }),
);

const ParameterSchema = z.object({
  name: z.string(),
  in: z.enum(["query", "path", "header", "cookie"]),
  required: z.boolean().optional(),
  schema: JsonSchemaSchema.optional(),
});

const OperationObjectSchema = z.object({
  parameters: z.array(ParameterSchema).optional(),
  requestBody: z
    .object({
      required: z.boolean().optional(),
      content: z.record(z.string(), z.object({ schema: JsonSchemaSchema.optional() })),
    })
    .optional(),
});

const OpenApiSchema = z.object({
  openapi: z.string().startsWith("3."),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.object({ schemas: z.record(z.string(), JsonSchemaSchema).optional() }).optional(),
});

export type Parameter = z.infer<typeof ParameterSchema>;

export interface Operation {
  /** Upper case: GET, POST, ... */
  method: string;
  /** As documented, with {placeholders}. */
  path: string;
  parameters: Parameter[];
  /** The JSON body schema, when the operation takes one. */
  body?: { required: boolean; schema: JsonSchema };
}

export interface ApiDocument {
  operations: Operation[];
  /** Every documented path with its methods, for the wrong-method requests. */
  methodsByPath: Map<string, Set<string>>;
  resolve(schema: JsonSchema): JsonSchema;
}

export function readApiDocument(json: unknown): ApiDocument {
  const document = OpenApiSchema.parse(json);
  const components = document.components?.schemas ?? {};
  const resolve = (schema: JsonSchema): JsonSchema => {
    let current = schema;
    for (let hops = 0; current.$ref !== undefined; hops++) {
      const name = /^#\/components\/schemas\/(.+)$/.exec(current.$ref)?.[1];
      const target = name === undefined ? undefined : components[name];
      if (target === undefined || hops > 20) throw new Error(`unresolvable $ref ${current.$ref}`);
      current = target;
    }
    return current;
  };
  const operations: Operation[] = [];
  const methodsByPath = new Map<string, Set<string>>();
  for (const [path, item] of Object.entries(document.paths)) {
    const methods = new Set<string>();
    for (const method of HTTP_METHODS) {
      if (item[method] === undefined) continue;
      methods.add(method.toUpperCase());
      const operation = OperationObjectSchema.parse(item[method]);
      const json = Object.entries(operation.requestBody?.content ?? {}).find(([type]) => /json/i.test(type))?.[1];
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: operation.parameters ?? [],
        ...(json ? { body: { required: operation.requestBody?.required ?? false, schema: json.schema ?? {} } } : {}),
      });
    }
    methodsByPath.set(path, methods);
  }
  return { operations, methodsByPath, resolve };
}

// ---------------------------------------------------------------------------------------------------------
// Values.

/** The fuzzer's one rule about providers: a value that would pick a real one becomes `synthetic`. */
export function scrub<T>(value: T): T {
  if (typeof value === "string") {
    return (REAL_PROVIDERS.includes(value.trim().toLowerCase()) ? SAFE_PROVIDER : value) as T;
  }
  if (Array.isArray(value)) return value.map(scrub) as T;
  if (typeof value === "object" && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(copy, key, { value: scrub(item), enumerable: true, writable: true, configurable: true });
    }
    return copy as T;
  }
  return value;
}

/** Strings written to attack a parser, a path, a query or a log. */
const HOSTILE_STRINGS = [
  "",
  " ",
  "../../../../etc/passwd",
  "..%2F..%2Fetc%2Fpasswd",
  "..\\..\\windows\\win.ini",
  "' OR 1=1 --",
  "'; DROP TABLE price_points; --",
  '" OR ""="',
  "1; SELECT * FROM raw_responses",
  "\u0000",
  "AAPL\u0000",
  "A\u0000B",
  "\r\nX-Injected: 1",
  "\t\u000b\u000c\u001b[31m",
  "%00",
  "%",
  "%E0%A4%A",
  "\u202eLPAA",
  "\ud83d\ude00",
  "\u0130\u00df\ufb00", // İßﬀ: upper-casing changes their length
  "\u{1d518}\u{1d52b}\u{1d526}",
  "<script>alert(1)</script>",
  "${jndi:ldap://x/a}",
  "{{7*7}}",
  "__proto__",
  "constructor",
  "null",
  "NaN",
  "-1",
  "1e309",
  "A".repeat(10_240),
  "\u20ac".repeat(3_500),
  "../".repeat(400),
];

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 40 }) },
);

/** Any JSON value: the wrong type for whatever was asked. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, "", [], {}),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Tickers: mostly a small pool (each valid one costs a Durable Object), sometimes any string of their shape. */
function tickerText(example: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(example, "AAPL", "brk.b", "BTC-USD", "EURUSD=X", "^GSPC", " msft ") },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9^][A-Za-z0-9.\-=^/]{0,21}$/) },
  );
}

/** Whole numbers as query text: in range, out of range, and not quite numbers. */
const numericText: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -10, max: 2_000 }).map(String),
  fc.constantFrom("0", "-1", "1.5", "1e3", "0x10", " 5", "5 ", "+5", "99999999999999999999", "Infinity", "NaN", ""),
  fc.double().map(String),
);

/** Times as query text: ISO-8601 and epoch milliseconds, and dates that are not. */
const timeText: fc.Arbitrary<string> = fc.oneof(
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.date({ noInvalidDate: true }).map((date) => String(date.getTime())),
  fc.constantFrom("2024-02-30T00:00:00Z", "2024-13-01", "yesterday", "-1", "9".repeat(16), "2024-03-20T15:30:00+25:00"),
);

/** Strings like the schema's example, as far as the example shows what is wanted. */
function stringsLike(example: unknown): fc.Arbitrary<string> {
  if (typeof example === "string") {
    if (/^\d+$/.test(example)) return numericText;
    if (/^\d{4}-\d{2}-\d{2}/.test(example)) return timeText;
    if (/^[A-Z0-9^][A-Z0-9.\-=^/]{0,19}$/.test(example)) return tickerText(example);
    return fc.oneof(fc.constant(example), fc.uuid(), fc.string({ maxLength: 40 }));
  }
  return fc.string({ maxLength: 40 });
}

function typesOf(schema: JsonSchema): string[] {
  if (schema.type === undefined) return [];
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

/**
 * Values for `schema`: what it asks for (weight 4) or something hostile (weight 1), at every level, so that a
 * bad value can hide deep inside an otherwise good body.
 */
export function valuesFor(document: ApiDocument, given: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const schema = document.resolve(given);
  return fc.oneof(
    { weight: 4, arbitrary: validValuesFor(document, schema, depth) },
    { weight: 1, arbitrary: hostileValuesFor(document, schema, depth) },
  );
}

function validValuesFor(document: ApiDocument, schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 0) return fc.oneof(...alternatives.map((item) => valuesFor(document, item, depth + 1)));
  if (schema.allOf && schema.allOf.length > 0) return valuesFor(document, schema.allOf[0]!, depth + 1);
  if (schema.enum && schema.enum.length > 0) {
    const safe = schema.enum.filter((value) => scrub(value) === value);
    return fc.constantFrom(...(safe.length > 0 ? safe : [SAFE_PROVIDER]));
  }
  const types = typesOf(schema);
  if (types.includes("integer") || types.includes("number")) {
    const min = schema.minimum ?? -1_000_000;
    const max = schema.maximum ?? 1_000_000;
    return types.includes("integer") ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true });
  }
  if (types.includes("boolean")) return fc.boolean();
  if (types.includes("array") && depth < 4) {
    const minLength = Math.min(schema.minItems ?? 0, MAX_VALID_ITEMS);
    const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? MAX_VALID_ITEMS, MAX_VALID_ITEMS));
    return fc.array(valuesFor(document, schema.items ?? {}, depth + 1), { minLength, maxLength });
  }
  if ((types.includes("object") || schema.properties) && depth < 4) {
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [name, property] of Object.entries(schema.properties ?? {})) model[name] = valuesFor(document, property, depth + 1);
    return fc.record(model, { requiredKeys: (schema.required ?? []).filter((name) => name in model) });
  }
  if (types.includes("string")) return stringsLike(schema.example);
  return anyJson;
}

function hostileValuesFor(document: ApiDocument, schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const types = typesOf(schema);
  const variants: fc.Arbitrary<unknown>[] = [anyJson, hostileString];
  if (types.includes("integer") || types.includes("number")) {
    const min = schema.minimum ?? 0;
    const max = schema.maximum ?? 0;
    variants.push(fc.constantFrom(min - 1, max + 1, min + 0.5, -0, 2 ** 53, -(2 ** 63), 1e308, Number.MIN_VALUE));
    variants.push(
      fc.oneof(
        fc.integer({ min: Math.min(-(2 ** 31), min - 1), max: min - 1 }),
        fc.integer({ min: max + 1, max: Math.max(2 ** 31, max + 1) }),
      ),
    );
  }
  if (types.includes("array") && depth < 4) {
    // Past maxItems (with items of the right kind), and arrays of the wrong things.
    const tooMany = (schema.maxItems ?? 1_000) + 1;
    variants.push(fc.array(fc.constantFrom("AAPL", "MSFT", "BTC-USD"), { minLength: tooMany, maxLength: tooMany + 5 }));
    variants.push(fc.array(anyJson, { maxLength: 8 }));
  }
  if ((types.includes("object") || schema.properties) && depth < 4) {
    // The right fields plus unknown ones (prototype names included), or fields of the wrong type.
    const valid = validValuesFor(document, schema, depth + 1);
    const extra = fc.dictionary(fc.oneof(fc.constantFrom("__proto__", "constructor", "extra", ""), fc.string({ maxLength: 8 })), anyJson, {
      minKeys: 1,
      maxKeys: 3,
    });
    variants.push(
      fc.tuple(valid, extra).map(([fields, more]) => (typeof fields === "object" && fields !== null ? { ...more, ...fields } : more)),
    );
    variants.push(fc.dictionary(fc.constantFrom(...Object.keys(schema.properties ?? { a: {} })), anyJson, { maxKeys: 4 }));
  }
  return fc.oneof(...variants);
}

// ---------------------------------------------------------------------------------------------------------
// Requests.

/** What a request is meant to provoke; the fuzzer's expectations depend on it. */
export type RequestKind =
  | "parameters" // right method, the body (if any) is JSON: any 2xx/4xx
  | "malformed-json" // a non-empty body labelled JSON that is not JSON: 400
  | "oversized" // a body over the limit: 413
  | "wrong-media-type" // a non-empty body not labelled JSON: 415
  | "wrong-method"; // a method the path does not document: 404/405

export interface FuzzRequest {
  kind: RequestKind;
  /** "METHOD /documented/{path}", for messages. */
  operation: string;
  method: string;
  /** Path and query, percent-encoded. */
  target: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** Percent-encodes the UTF-8 bytes of `text` (a lone surrogate becomes U+FFFD: a URL cannot carry one). */
export function percentEncode(text: string, keep: RegExp = /[A-Za-z0-9\-_.~]/): string {
  let encoded = "";
  for (const byte of new TextEncoder().encode(text)) {
    const char = String.fromCharCode(byte);
    encoded += byte < 0x80 && keep.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return encoded;
}

/** A path parameter: percent-encoded, or left raw where a URL allows it (so `../` and `%` reach the router). */
const pathValue = (values: fc.Arbitrary<unknown>): fc.Arbitrary<string> =>
  fc
    .tuple(values, fc.boolean())
    .map(([value, raw]) => percentEncode(scrub(String(value)), raw ? /[A-Za-z0-9\-_.~/%]/ : undefined));

function parameterValues(document: ApiDocument, parameter: Parameter): fc.Arbitrary<string> {
  const values = valuesFor(document, parameter.schema ?? { type: "string" });
  return values.map((value) => scrub(typeof value === "string" ? value : JSON.stringify(value) ?? ""));
}

/** The path (placeholders filled) and the query of one request for `operation`. */
function targets(document: ApiDocument, operation: Operation): fc.Arbitrary<string> {
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === "path");
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === "query");
  const pathParts = fc.tuple(...pathParameters.map((parameter) => pathValue(parameterValues(document, parameter))));
  // A required parameter is usually there, an optional one half the time; now and then one comes twice.
  const queryParts = fc.tuple(
    ...queryParameters.map((parameter) =>
      fc
        .tuple(fc.double({ min: 0, max: 1, noNaN: true }), parameterValues(document, parameter), parameterValues(document, parameter))
        .map(([dice, value, again]) => {
          const present = dice < (parameter.required ? 0.92 : 0.5);
          const pair = (text: string) => `${percentEncode(parameter.name)}=${percentEncode(text)}`;
          if (!present) return "";
          return dice < 0.05 ? `${pair(value)}&${pair(again)}` : pair(value);
        }),
    ),
  );
  return fc.tuple(pathParts, queryParts).map(([values, pairs]) => {
    let index = 0;
    const path = operation.path.replace(/\{[^}]+\}/g, () => values[index++] ?? "");
    const query = pairs.filter(Boolean).join("&");
    return query ? `${path}?${query}` : path;
  });
}

/** Headers any request may carry: credentials of every kind and forged client addresses (all must be harmless). */
const noiseHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    authorization: fc.oneof(
      fc.constantFrom("Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer ' OR 1=1 --"),
      fc.string({ unit: "grapheme-ascii", maxLength: 60 }).map((token) => `Bearer ${token}`),
    ),
    "cf-connecting-ip": fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom("not-an-ip", "")),
    "x-forwarded-for": fc.constantFrom("127.0.0.1", "::1, 10.0.0.1"),
    accept: fc.constantFrom("application/json", "text/html", "*/*", "text/event-stream"),
  },
  { requiredKeys: [] },
);

const JSON_TYPES = ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/vnd.api+json"];
const OTHER_TYPES = ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "application/jsonp", "application/json-seq"];

const malformedJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('{"symbols": [', "{'symbols': ['AAPL']}", "{symbols: 1}", "[1,]", '{"a":1}}', "nul", "\u0000", "\ufeff{", "{".repeat(5_000), '"unterminated'),
  fc.string({ unit: "binary", minLength: 1, maxLength: 50 }).filter((text) => !isJson(text)),
);

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Bodies over the limit: big valid JSON, big junk, sent as JSON or as something else. */
const oversizedBody: fc.Arbitrary<{ type: string | undefined; body: string }> = fc.record({
  type: fc.constantFrom<string | undefined>("application/json", "text/plain", undefined),
  body: fc.constantFrom(
    JSON.stringify({ symbols: Array.from({ length: 12_000 }, () => "AAPL"), interval: 60 }),
    "x".repeat(BODY_LIMIT_BYTES + 1),
    `"${"\u20ac".repeat(BODY_LIMIT_BYTES / 3 + 1)}"`,
  ),
});

/** A body with the given content type; without one it is sent as bytes, so fetch adds no type either. */
function withBody(request: Omit<FuzzRequest, "body">, type: string | undefined, body: string): FuzzRequest {
  if (type === undefined) return { ...request, body: new TextEncoder().encode(body) };
  return { ...request, headers: { ...request.headers, "content-type": type }, body };
}

/** Requests for one documented operation: its parameters, its body (or a body it should not get), its headers. */
export function requestsFor(document: ApiDocument, operation: Operation): fc.Arbitrary<FuzzRequest> {
  const operationName = `${operation.method} ${operation.path}`;
  const base = fc
    .tuple(targets(document, operation), noiseHeaders)
    .map(([target, headers]): Omit<FuzzRequest, "body"> => ({ kind: "parameters", operation: operationName, method: operation.method, target, headers }));
  const canHaveBody = operation.method !== "GET" && operation.method !== "HEAD";
  if (!canHaveBody) return base;

  const jsonBody = operation.body
    ? valuesFor(document, operation.body.schema).map((value) => JSON.stringify(scrub(value)) ?? "null")
    : anyJson.map((value) => JSON.stringify(scrub(value)) ?? "null");
  return fc.oneof(
    // The expected body (or, for a bodyless operation, none at all) most of the time.
    {
      weight: 6,
      arbitrary: operation.body
        ? fc.tuple(base, fc.constantFrom(...JSON_TYPES), jsonBody).map(([request, type, body]) => withBody(request, type, body))
        : base,
    },
    { weight: 1, arbitrary: fc.tuple(base, fc.constantFrom(...JSON_TYPES), jsonBody).map(([request, type, body]) => withBody(request, type, body)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(base, fc.constantFrom(...JSON_TYPES), malformedJson)
        .map(([request, type, body]) => withBody({ ...request, kind: "malformed-json" }, type, body)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(base, fc.constantFrom<string | undefined>(...OTHER_TYPES, undefined), fc.oneof(jsonBody, fc.constant("symbols=AAPL&interval=60")))
        .map(([request, type, body]) => withBody({ ...request, kind: "wrong-media-type" }, type, body.length > 0 ? body : "{}")),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(base, oversizedBody).map(([request, { type, body }]) => withBody({ ...request, kind: "oversized" }, type, body)),
    },
  );
}

/** Methods a documented path does not answer (HEAD is GET's, so it is not wrong where GET is documented). */
export function wrongMethodRequests(document: ApiDocument, path: string): fc.Arbitrary<FuzzRequest> | undefined {
  const documented = document.methodsByPath.get(path) ?? new Set<string>();
  const wrong = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"].filter(
    (method) => !documented.has(method) && !(method === "HEAD" && documented.has("GET")),
  );
  if (wrong.length === 0) return undefined;
  const anyOperation = document.operations.find((operation) => operation.path === path);
  if (!anyOperation) return undefined;
  return fc
    .tuple(fc.constantFrom(...wrong), targets(document, anyOperation))
    .map(([method, target]) => ({ kind: "wrong-method", operation: `${method} ${path}`, method, target, headers: {} }));
}
