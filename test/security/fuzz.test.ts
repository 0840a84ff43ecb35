/**
 * Property-based fuzzing of every route the service documents (API.md: "Never a 500 for anything a client ... can
 * cause"; every error is `{"error":{"code","message"}}`).
 *
 * The routes are read from the worker's own `/openapi.json`, so a route added to the app is fuzzed here without
 * a change to this file. For each operation, fast-check builds requests from its documented parameters and body
 * schema, mixed at every level with hostile values (see test/support/openapi-requests.ts), and sends them to the worker in
 * concurrent batches. Every answer must be:
 *   - 2xx or 4xx, never 5xx;
 *   - when it is an error: JSON of API.md's shape, with a snake_case code, and no stack trace or source path;
 *   - free of every configured secret;
 *   - for a body over 64 KiB 413, for a body that is not labelled JSON 415, for a malformed JSON body 400, for a
 *     method the path does not document 404/405, whatever the route.
 * Jobs the fuzzer manages to create are stopped at once, and checked stopped at the end.
 */
import { env, SELF } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { BASE } from "../support/api";
import {
  BODY_LIMIT_BYTES,
  percentEncode,
  readApiDocument,
  requestsFor,
  wrongMethodRequests,
  type ApiDocument,
  type FuzzRequest,
} from "../support/openapi-requests";

/** Requests the whole file sends, at least; shared out among the documented operations. */
const REQUEST_BUDGET = 10_400;
const MINIMUM_REQUESTS = 10_000;
/** Requests in flight at once (a batch is one fast-check run). */
const BATCH = 12;
/** Shares of the budget: documented operations, wrong methods on documented paths, undocumented paths. */
const SHARE_OPERATIONS = 0.85;
const SHARE_WRONG_METHODS = 0.1;
const SHARE_UNKNOWN_PATHS = 0.05;
/** Fixed, so a failure can be replayed; fast-check prints the seed and the shrunk request either way. */
const SEED = 20_240_320;

const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string().regex(/^[a-z]+(?:_[a-z]+)*$/, "a snake_case code"),
    message: z.string().min(1),
  }),
});

/** Traces of a stack or of the source tree: frames, file:line:column, runtime error class names. */
const LEAKS = [
  /\n\s*at\s+\S/,
  /\bat (?:async )?[\w$.<>]+ \(/,
  /\.(?:ts|js|mjs|cjs):\d+(?::\d+)?/,
  /node_modules|file:\/\//,
  /\b(?:TypeError|ReferenceError|RangeError|SyntaxError|internal_error)\b/,
];

const SECRETS = [env.ALPHA_VANTAGE_API_KEY, env.FINNHUB_API_KEY].filter(
  (secret): secret is string => typeof secret === "string" && secret.length > 0,
);

let document: ApiDocument;
let sent = 0;
const jobsCreated = new Set<string>();
const backfillsCreated = new Set<string>();
const statuses = new Map<number, number>();

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

async function send(method: string, target: string, init: { headers?: Record<string, string>; body?: string | Uint8Array } = {}): Promise<Answer> {
  sent++;
  const response = await SELF.fetch(`${BASE}${target}`, { method, headers: init.headers, body: init.body });
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  const contentType = response.headers.get("content-type") ?? "";
  // A live stream (SSE) never ends: what matters is its status and headers.
  if (contentType.includes("text/event-stream")) {
    await response.body?.cancel();
    return { status: response.status, contentType, text: "" };
  }
  return { status: response.status, contentType, text: await response.text() };
}

function bodyBytes(request: FuzzRequest): number {
  if (request.body === undefined) return 0;
  return typeof request.body === "string" ? new TextEncoder().encode(request.body).length : request.body.length;
}

/** What API.md and the request limits promise for this request, whatever the route. */
function expectedStatuses(request: FuzzRequest): number[] | undefined {
  if (bodyBytes(request) > BODY_LIMIT_BYTES) return [413];
  if (request.kind === "wrong-method") return [404, 405];
  if (request.kind === "wrong-media-type") return [415];
  if (request.kind === "malformed-json") return [400];
  return undefined;
}

function describeRequest(request: FuzzRequest): string {
  const body = request.body === undefined ? "" : ` with a ${bodyBytes(request)}-byte ${request.kind} body (${request.headers["content-type"] ?? "no content type"})`;
  return `${request.method} ${request.target.slice(0, 300)}${body} [${request.operation}]`;
}

function checkAnswer(request: FuzzRequest, answer: Answer): void {
  const what = `${describeRequest(request)} answered ${answer.status}: ${answer.text.slice(0, 300)}`;
  expect(answer.status, what).toBeGreaterThanOrEqual(200);
  expect(answer.status, what).toBeLessThan(500);
  const expected = expectedStatuses(request);
  if (expected) expect(expected, what).toContain(answer.status);
  for (const secret of SECRETS) expect(answer.text.includes(secret), `${what} holds a secret`).toBe(false);
  if (answer.status < 400 || request.method === "HEAD") return;
  expect(answer.contentType, what).toMatch(/^application\/json/);
  const parsed = ErrorBodySchema.safeParse(JSON.parse(answer.text));
  expect(parsed.success ? "API.md's error shape" : parsed.error.message, what).toBe("API.md's error shape");
  for (const leak of LEAKS) expect(answer.text, `${what} leaks internals`).not.toMatch(leak);
}

/** A job the fuzzer created is stopped at once, so no polling loop outlives its request. */
async function stopCreatedJob(request: FuzzRequest, answer: Answer): Promise<void> {
  if (request.method !== "POST" || answer.status >= 300 || !answer.contentType.includes("json")) return;
  const created = z.union([z.object({ job_id: z.string() }), z.object({ backfill_id: z.string() }).transform(({ backfill_id }) => ({ job_id: backfill_id }))]);
  const jobId = created.safeParse(JSON.parse(answer.text));
  if (!jobId.success) return;
  const documented = request.operation.slice("POST ".length);
  const stop = document.operations.find(
    (operation) => operation.method === "DELETE" && /^\{[^}]+\}$/.test(operation.path.slice(documented.length + 1)) && operation.path.startsWith(`${documented}/`),
  );
  expect(stop, `a DELETE for jobs created by ${request.operation}`).toBeDefined();
  (documented === "/prices/backfill" ? backfillsCreated : jobsCreated).add(jobId.data.job_id);
  const stopped = await send("DELETE", stop!.path.replace(/\{[^}]+\}$/, percentEncode(jobId.data.job_id)));
  expect(stopped.status, `stopping job ${jobId.data.job_id}: ${stopped.text}`).toBe(200);
}

async function sendAndCheck(request: FuzzRequest): Promise<void> {
  const answer = await send(request.method, request.target, { headers: request.headers, body: request.body });
  checkAnswer(request, answer);
  await stopCreatedJob(request, answer);
}

async function fuzz(requests: fc.Arbitrary<FuzzRequest>, count: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(requests, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
      await Promise.all(batch.map(sendAndCheck));
    }),
    { numRuns: Math.max(1, Math.ceil(count / BATCH)), seed: SEED },
  );
}

beforeAll(async () => {
  // Every fuzz request comes from one client; with a limit on, most answers would be 429s and prove nothing.
  expect(env.RATE_LIMIT_PER_MINUTE, "vitest.config.ts switches the rate limit off for the suite").toBe("0");
  const answer = await send("GET", "/openapi.json");
  expect(answer.status).toBe(200);
  document = readApiDocument(JSON.parse(answer.text));
});

describe("fuzzing every route of /openapi.json with hostile requests", () => {
  it("finds the routes in the document (the fuzzer would test nothing otherwise)", () => {
    const operations = document.operations.map((operation) => `${operation.method} ${operation.path}`);
    expect(operations).toEqual(expect.arrayContaining(["GET /prices/latest", "POST /poll/{symbol}", "GET /prices/history", "GET /providers"]));
  });

  it("answers every documented operation with 2xx/4xx and API.md's error JSON, never a 5xx", { timeout: 240_000 }, async () => {
    const perOperation = (REQUEST_BUDGET * SHARE_OPERATIONS) / document.operations.length;
    for (const operation of document.operations) {
      await fuzz(requestsFor(document, operation), perOperation);
    }
  });

  it("answers methods a path does not document with 404/405 JSON", { timeout: 60_000 }, async () => {
    const paths = [...document.methodsByPath.keys()];
    const perPath = (REQUEST_BUDGET * SHARE_WRONG_METHODS) / paths.length;
    for (const path of paths) {
      const requests = wrongMethodRequests(document, path);
      if (requests) await fuzz(requests, perPath);
    }
  });

  it("answers undocumented paths (traversal, unicode, junk) with 4xx JSON", { timeout: 60_000 }, async () => {
    const segment = fc.oneof(
      fc.constantFrom("..", ".", "%2e%2e", "prices", "poll", "etc", "passwd", "%00", "%", "' OR 1=1 --", "\u00e9", "openapi.json"),
      fc.string({ unit: "binary", maxLength: 12 }),
    );
    const requests = fc
      .tuple(fc.constantFrom("GET", "POST", "DELETE", "PUT"), fc.array(segment, { minLength: 1, maxLength: 6 }), fc.boolean())
      .map(([method, segments, raw]): FuzzRequest => ({
        kind: "parameters",
        operation: `${method} (undocumented)`,
        method,
        target: `/${segments.map((part) => percentEncode(part, raw ? /[A-Za-z0-9\-_.~%]/ : undefined)).join("/")}`,
        headers: {},
      }));
    await fuzz(requests, REQUEST_BUDGET * SHARE_UNKNOWN_PATHS);
  });

  it(`sent at least ${MINIMUM_REQUESTS} requests, and every job it created is stopped`, async () => {
    for (const jobId of jobsCreated) {
      const job = await send("GET", `/prices/poll/${percentEncode(jobId)}`);
      expect(JSON.parse(job.text), `job ${jobId}`).toMatchObject({ status: "stopped" });
    }
    for (const backfillId of backfillsCreated) {
      const backfill = await send("GET", `/prices/backfill/${percentEncode(backfillId)}`);
      expect((JSON.parse(backfill.text) as { status: string }).status, `backfill ${backfillId}`).toMatch(/^(cancelled|done|failed)$/);
    }
    console.info(`fuzz: ${sent} requests, ${jobsCreated.size} jobs created and stopped, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(sent).toBeGreaterThanOrEqual(MINIMUM_REQUESTS);
  });
});
