/**
 * Who may call what (API.md: API_KEYS, API_KEYS_READ) and what a request may carry (64 KiB of JSON).
 *
 * The suite runs without API_KEYS (vitest.config.ts), so the key tests build the app with createApp() and hand
 * it the suite's env plus the settings under test: `app.request(url, init, { ...env, API_KEYS: … })`. The
 * bindings (D1, Durable Objects) are the real ones. The body limits are always on, so those tests go through
 * the worker itself (SELF).
 */
import { env, SELF } from "cloudflare:test";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { bearerToken, matchApiKey } from "../../src/access/api-keys";
import { createApp } from "../../src/app";
import { ConfigSchema } from "../../src/env";
import { BASE, uniqueSymbol } from "../support/api";

const KEYS = ["mds-key-alpha-3b9e0c", "mds-key-beta-77d1f4"];
const LIMIT = 64 * 1024;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

const app = createApp();

/** A request to the app with API_KEYS set (and any other settings), the suite's bindings otherwise. */
async function withKeys(path: string, init: RequestInit = {}, settings: Record<string, string> = {}): Promise<Answer> {
  return answerOf(await app.request(`${BASE}${path}`, init, { ...env, API_KEYS: KEYS.join(","), ...settings }));
}

async function toWorker(path: string, init: RequestInit = {}): Promise<Answer> {
  return answerOf(await SELF.fetch(`${BASE}${path}`, init));
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const pollPath = () => `/poll/${uniqueSymbol("ACC")}?provider=synthetic`;

const unauthorized = { error: { code: "unauthorized", message: expect.any(String) } };

afterEach(() => {
  vi.restoreAllMocks();
});

describe("API keys: write routes need one while API_KEYS is set", () => {
  it("POST without a key: 401 unauthorized JSON with a Bearer challenge", async () => {
    const answer = await withKeys(pollPath(), { method: "POST" });

    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject(unauthorized);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer realm="market-data-service"$/);
  });

  it("DELETE without a key: 401, before the route is even looked up", async () => {
    for (const path of ["/prices/poll/some-job", "/no/such/route"]) {
      const answer = await withKeys(path, { method: "DELETE" });

      expect(answer.status, path).toBe(401);
      expect(answer.body, path).toMatchObject(unauthorized);
    }
  });

  it("each configured key opens the write routes", async () => {
    for (const key of KEYS) {
      const answer = await withKeys(pollPath(), { method: "POST", headers: bearer(key) });

      expect(answer.status, answer.text).toBe(200);
      expect(answer.body).toMatchObject({ provider: "synthetic", price: expect.any(Number) });
    }
  });

  it("a wrong key, or one merely close to a real one, is refused as invalid_token and never echoed", async () => {
    const near = [
      "not-a-key",
      KEYS[0]!.slice(0, -1),
      `${KEYS[0]}x`,
      KEYS[0]!.toUpperCase(),
      KEYS.join(","),
    ];
    for (const token of near) {
      const answer = await withKeys(pollPath(), { method: "POST", headers: bearer(token) });

      expect(answer.status, JSON.stringify(token)).toBe(401);
      expect(answer.body).toMatchObject(unauthorized);
      expect(answer.headers.get("www-authenticate")).toBe('Bearer realm="market-data-service", error="invalid_token"');
      expect(answer.text).not.toContain(token.trim());
    }
  });

  it("the scheme is case-insensitive; any other way of sending the key is not a key", async () => {
    const lower = await withKeys(pollPath(), { method: "POST", headers: { authorization: `bearer ${KEYS[1]}` } });
    expect(lower.status, lower.text).toBe(200);

    for (const authorization of [KEYS[1]!, `Basic ${btoa(`${KEYS[1]}:`)}`, "Bearer", `Bearer ${KEYS[1]} extra`, `Token ${KEYS[1]}`]) {
      const answer = await withKeys(pollPath(), { method: "POST", headers: { authorization } });
      expect(answer.status, authorization).toBe(401);
    }
  });

  it("without API_KEYS the API is open", async () => {
    const answer = await withKeys(pollPath(), { method: "POST" }, { API_KEYS: "" });

    expect(answer.status, answer.text).toBe(200);
  });
});

describe("API keys: read routes are open unless API_KEYS_READ=true", () => {
  const latest = () => `/prices/latest?symbol=${uniqueSymbol("ACC")}&provider=synthetic`;

  it("GET needs no key by default (without one, latest is served from what is stored: anonymous-budget.test.ts)", async () => {
    const path = latest();
    expect((await withKeys(path, { headers: bearer(KEYS[0]!) })).status).toBe(200);
    expect((await withKeys(path)).status).toBe(200);
    expect((await withKeys("/providers")).status).toBe(200);
  });

  it("with API_KEYS_READ=true GET needs a key too, except /health (for uptime monitors)", async () => {
    const readsNeedKeys = { API_KEYS_READ: "true" };

    const withoutKey = await withKeys(latest(), {}, readsNeedKeys);
    const withKey = await withKeys(latest(), { headers: bearer(KEYS[0]!) }, readsNeedKeys);
    const health = await withKeys("/health", {}, readsNeedKeys);

    expect(withoutKey.status).toBe(401);
    expect(withoutKey.body).toMatchObject(unauthorized);
    expect(withKey.status, withKey.text).toBe(200);
    expect(health.status).toBe(200);
  });

  it("API_KEYS_READ accepts true/false (text or TOML boolean) and rejects anything else", () => {
    expect(ConfigSchema.parse({ API_KEYS_READ: "true" }).API_KEYS_READ).toBe(true);
    expect(ConfigSchema.parse({ API_KEYS_READ: true }).API_KEYS_READ).toBe(true);
    expect(ConfigSchema.parse({ API_KEYS_READ: "false" }).API_KEYS_READ).toBe(false);
    expect(ConfigSchema.parse({}).API_KEYS_READ).toBe(false);
    expect(ConfigSchema.safeParse({ API_KEYS_READ: "yes" }).success).toBe(false);
  });
});

describe("API keys: the comparison", () => {
  const config = ConfigSchema.parse({ API_KEYS: KEYS.join(",") });

  it("names each configured key by a stable digest, never by the key", async () => {
    const first = await matchApiKey(KEYS[0]!, config);
    const second = await matchApiKey(KEYS[1]!, config);

    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(second).toMatch(/^[0-9a-f]{64}$/);
    expect(first).not.toBe(second);
    expect(await matchApiKey(KEYS[0]!, config)).toBe(first);
  });

  it("matches no string that is not a configured key", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 40 }), async (token) => {
        fc.pre(!KEYS.includes(token));
        expect(await matchApiKey(token, config)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it("compares SHA-256 digests with timingSafeEqual, against every key even after a match", async () => {
    const compare = vi.spyOn(crypto.subtle, "timingSafeEqual");

    await matchApiKey(KEYS[0]!, config);

    expect(compare).toHaveBeenCalledTimes(KEYS.length);
    for (const [a, b] of compare.mock.calls) {
      expect(a.byteLength).toBe(32);
      expect(b.byteLength).toBe(32);
    }
  });

  it("reads the token of a Bearer header and nothing else", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("BEARER   abc  ")).toBe("abc");
    expect(bearerToken("Bearer a b")).toBeUndefined();
    expect(bearerToken("Basic abc")).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe("request limits: at most 64 KiB of JSON", () => {
  const post = (body: BodyInit, headers: Record<string, string> = {}) => toWorker(pollPath(), { method: "POST", headers, body });

  it("a body over 64 KiB: 413 payload_too_large, with or without a declared length", async () => {
    const big = JSON.stringify({ pad: "x".repeat(LIMIT) });
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 9; i++) controller.enqueue(new Uint8Array(8 * 1024).fill(0x20));
        controller.close();
      },
    });

    const declared = await post(big, { "content-type": "application/json" });
    const streamed = await post(chunked, { "content-type": "application/json" });

    for (const answer of [declared, streamed]) {
      expect(answer.status).toBe(413);
      expect(answer.body).toMatchObject({ error: { code: "payload_too_large", message: expect.stringContaining("65536") } });
    }
  });

  it("a JSON body of exactly 64 KiB is let through", async () => {
    const body = `{"pad":"${"x".repeat(LIMIT - 10)}"}`;
    expect(new TextEncoder().encode(body).length).toBe(LIMIT);

    const answer = await post(body, { "content-type": "application/json" });

    expect(answer.status, answer.text).toBe(200);
  });

  it("a body that is not labelled JSON: 415 unsupported_media_type", async () => {
    const cases: [string, BodyInit, Record<string, string>][] = [
      ["text/plain", '{"symbols":["AAPL"]}', { "content-type": "text/plain" }],
      ["a form", "symbols=AAPL", { "content-type": "application/x-www-form-urlencoded" }],
      ["no content type", new TextEncoder().encode('{"symbols":["AAPL"]}'), {}],
      ["a look-alike type", "{}", { "content-type": "application/jsonp" }],
    ];
    for (const [what, body, headers] of cases) {
      const answer = await post(body, headers);

      expect(answer.status, what).toBe(415);
      expect(answer.body, what).toMatchObject({ error: { code: "unsupported_media_type" } });
    }
  });

  it("JSON media types with parameters or a +json suffix are JSON", async () => {
    for (const type of ["application/json; charset=utf-8", "Application/JSON", "application/vnd.api+json"]) {
      const answer = await post("{}", { "content-type": type });
      expect(answer.status, type).toBe(200);
    }
  });

  it("malformed JSON: 400 malformed_json, on every route that is sent a body", async () => {
    for (const path of [pollPath(), "/prices/poll", "/no/such/route"]) {
      const answer = await toWorker(path, { method: "POST", headers: { "content-type": "application/json" }, body: '{"symbols": [' });

      expect(answer.status, path).toBe(400);
      expect(answer.body, path).toMatchObject({ error: { code: "malformed_json", message: expect.any(String) } });
    }
  });

  it("a body read by the checks still reaches the route (POST /prices/poll creates the job it was sent)", async () => {
    const symbol = uniqueSymbol("ACC");
    const created = await toWorker("/prices/poll", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ symbols: [symbol], interval: 3600, provider: "synthetic" }),
    });
    expect(created.status, created.text).toBe(202);
    expect(created.body).toMatchObject({ config: { symbols: [symbol], interval: 3600, provider: "synthetic" } });

    const jobId = (created.body as { job_id: string }).job_id;
    const stopped = await toWorker(`/prices/poll/${jobId}`, { method: "DELETE" });
    expect(stopped.status, stopped.text).toBe(200);
  });

  it("refusals come in order: too large before no key, no key before the wrong type", async () => {
    const tooLarge = await withKeys(pollPath(), { method: "POST", headers: { "content-type": "text/plain" }, body: "x".repeat(LIMIT + 1) });
    const noKey = await withKeys(pollPath(), { method: "POST", headers: { "content-type": "text/plain" }, body: "x" });

    expect(tooLarge.status).toBe(413);
    expect(noKey.status).toBe(401);
  });
});
