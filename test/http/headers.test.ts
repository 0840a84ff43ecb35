/**
 * Headers clients read (API.md, Headers): X-Request-Id on every answer (the client's own when usable) and in the
 * request's log line; CORS only for the origins CORS_ORIGINS lists, preflights answered before any limit or key.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { ConfigSchema } from "../../src/env";
import { BASE, call } from "../support/api";

const app = createApp();
const withSettings = (path: string, init: RequestInit, settings: Record<string, string>) =>
  app.request(`${BASE}${path}`, init, { ...env, ...settings });

afterEach(() => {
  vi.restoreAllMocks();
});

describe("X-Request-Id", () => {
  it("is generated for a request without one, on success and on error", async () => {
    for (const path of ["/health", "/no/such/route", "/prices/latest?symbol=%20"]) {
      const answer = await call(path);
      expect(answer.headers.get("x-request-id"), path).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("echoes the client's id, and replaces one that is not usable", async () => {
    const echoed = await call("/health", { headers: { "x-request-id": "client-42.abc" } });
    expect(echoed.headers.get("x-request-id")).toBe("client-42.abc");
    const replaced = await call("/health", { headers: { "x-request-id": `bad id\u0001${"x".repeat(300)}` } });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("is written into the request's log line", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...parts: unknown[]) => void lines.push(parts.map(String).join(" ")));
    const response = await withSettings("/no/such/route", { headers: { "x-request-id": "trace-me-7" } }, { REQUEST_LOG: "true" });
    expect(response.status).toBe(404);
    const line = lines.find((text) => text.includes("trace-me-7"));
    expect(line).toBeDefined();
    expect(JSON.parse(line!.replace(/^request /, ""))).toMatchObject({ request_id: "trace-me-7", method: "GET", path: "/no/such/route", status: 404 });
  });
});

describe("CORS", () => {
  const origin = "https://app.example.com";

  it("is off by default: no Access-Control headers", async () => {
    const answer = await call("/health", { headers: { origin } });
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows the listed origins, exposes the headers clients read, and no other origin", async () => {
    const settings = { CORS_ORIGINS: `${origin}, https://other.example.org` };
    const allowed = await withSettings("/health", { headers: { origin } }, settings);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(origin);
    expect(allowed.headers.get("access-control-expose-headers")).toContain("RateLimit-Remaining");
    expect(allowed.headers.get("access-control-expose-headers")).toContain("X-Request-Id");
    const refused = await withSettings("/health", { headers: { origin: "https://evil.example.net" } }, settings);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers a preflight before the key check and the rate limit", async () => {
    const settings = { CORS_ORIGINS: origin, API_KEYS: "cors-key-1", API_KEYS_READ: "true", RATE_LIMIT_PER_MINUTE: "1" };
    const headers = { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type", "cf-connecting-ip": "10.77.0.1" };
    for (let i = 0; i < 3; i++) {
      const preflight = await withSettings("/prices/poll", { method: "OPTIONS", headers }, settings);
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
      expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    }
  });

  it("labels error answers too, so the browser app can read them", async () => {
    const refused = await withSettings("/prices/poll", { method: "POST", headers: { origin } }, { CORS_ORIGINS: "*", API_KEYS: "cors-key-2" });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("reads CORS_ORIGINS as origins, and refuses an entry that is no origin", () => {
    expect(ConfigSchema.parse({ CORS_ORIGINS: "https://a.example.com/, *" }).CORS_ORIGINS).toEqual(["https://a.example.com", "*"]);
    expect(ConfigSchema.safeParse({ CORS_ORIGINS: "not an origin" }).error?.issues[0]?.path).toEqual(["CORS_ORIGINS", 0]);
  });
});
