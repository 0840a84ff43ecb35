/**
 * A fresh latest costs what a bare route costs (API.md, "Freshness of a cached latest" and Headers): a copy in
 * the Worker isolate answers while it is at most LATEST_CACHE_MS old and within max_age (max_age=0 always asks
 * the provider); answers carry Cache-Control matching their freshness and an ETag, and If-None-Match → 304.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { BASE, call, uniqueSymbol } from "../support/api";
import { countingCalls } from "../support/counting-objects";

const app = createApp();

/** The real symbol objects, with every `latest` call counted. */
const countingSymbols = () => countingCalls(env.SYMBOL_OBJECT, "latest");

function latest(path: string, settings: Record<string, unknown>, headers: Record<string, string> = {}) {
  return app.request(`${BASE}${path}`, { headers }, { ...env, ...settings });
}

describe("the isolate's copy of latest", () => {
  it("answers repeated fresh requests without a symbol-object call, and max_age=0 always asks", async () => {
    const symbols = countingSymbols();
    const path = `/prices/latest?symbol=${uniqueSymbol("C")}&provider=synthetic`;
    const bodies = [];
    for (let i = 0; i < 10; i++) bodies.push(await (await latest(path, { SYMBOL_OBJECT: symbols.namespace, LATEST_CACHE_MS: "60000" })).json());
    expect(symbols.calls()).toBe(1);
    expect(new Set(bodies.map((body) => JSON.stringify(body))).size).toBe(1);

    for (let i = 0; i < 3; i++) await latest(`${path}&max_age=0`, { SYMBOL_OBJECT: symbols.namespace, LATEST_CACHE_MS: "60000" });
    expect(symbols.calls()).toBe(4);
  });

  it("LATEST_CACHE_MS=0 turns the copy off, and a copy older than LATEST_CACHE_MS is not served", async () => {
    const symbols = countingSymbols();
    const path = `/prices/latest?symbol=${uniqueSymbol("C")}&provider=synthetic`;
    for (let i = 0; i < 3; i++) await latest(path, { SYMBOL_OBJECT: symbols.namespace, LATEST_CACHE_MS: "0" });
    expect(symbols.calls()).toBe(3);

    await latest(path, { SYMBOL_OBJECT: symbols.namespace, LATEST_CACHE_MS: "50" });
    await new Promise((resolve) => setTimeout(resolve, 120));
    await latest(path, { SYMBOL_OBJECT: symbols.namespace, LATEST_CACHE_MS: "50" });
    expect(symbols.calls()).toBe(5);
  });

  it("a copy never outlives the max_age the client asked for", async () => {
    const symbols = countingSymbols();
    const path = `/prices/latest?symbol=${uniqueSymbol("C")}&provider=synthetic`;
    await latest(path, { SYMBOL_OBJECT: symbols.namespace, LATEST_CACHE_MS: "60000" });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await latest(`${path}&max_age=1`, { SYMBOL_OBJECT: symbols.namespace, LATEST_CACHE_MS: "60000" });
    expect(symbols.calls()).toBe(2);
  });
});

describe("HTTP caching of latest", () => {
  it("sends an ETag and a Cache-Control within max_age; If-None-Match with it answers 304 without a body", async () => {
    const path = `/prices/latest?symbol=${uniqueSymbol("E")}&provider=synthetic&max_age=30`;
    const first = await call(path);
    const tag = first.headers.get("etag");
    expect(tag).toMatch(/^"[0-9a-z]+"$/);
    const maxAge = Number(/max-age=(\d+)/.exec(first.headers.get("cache-control") ?? "")?.[1]);
    expect(maxAge).toBeGreaterThanOrEqual(0);
    expect(maxAge).toBeLessThanOrEqual(30);

    const again = await app.request(`${BASE}${path}`, { headers: { "if-none-match": `"other", ${tag}` } }, env);
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(tag);
    expect(await again.text()).toBe("");

    const stale = await app.request(`${BASE}${path}`, { headers: { "if-none-match": '"not-this-one"' } }, env);
    expect(stale.status).toBe(200);
  });

  it("max_age=0 answers max-age=0", async () => {
    const answer = await call(`/prices/latest?symbol=${uniqueSymbol("E")}&provider=synthetic&max_age=0`);
    expect(answer.headers.get("cache-control")).toMatch(/max-age=0$/);
  });
});
