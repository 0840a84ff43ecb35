/**
 * Open streams are limited (issue: the rate limit counts requests, not connections): at most
 * MAX_STREAMS_PER_CLIENT open streams per client (429 beyond, a slot freed when a stream ends), and at most
 * MAX_STREAMS_PER_SYMBOL streams fed by one symbol's object (503 beyond), each refused with the API's error JSON
 * before anything is streamed.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { BASE, uniqueSymbol } from "../support/api";

const app = createApp();

function freshIp(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(3));
  return `10.${bytes[0]}.${bytes[1]}.${bytes[2]}`;
}

function open(symbols: string, ip: string, settings: Record<string, string>) {
  return app.request(`${BASE}/prices/stream?symbols=${symbols}&provider=synthetic`, { headers: { "cf-connecting-ip": ip } }, { ...env, ...settings });
}

describe("stream caps", () => {
  it("refuses a client's stream beyond MAX_STREAMS_PER_CLIENT with 429, and frees the slot when a stream ends", async () => {
    const ip = freshIp();
    const settings = { MAX_STREAMS_PER_CLIENT: "2" };
    const first = await open(uniqueSymbol("C"), ip, settings);
    const second = await open(uniqueSymbol("C"), ip, settings);
    expect([first.status, second.status]).toEqual([200, 200]);

    const third = await open(uniqueSymbol("C"), ip, settings);
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).not.toBeNull();
    expect(await third.json()).toMatchObject({ error: { code: "rate_limited", message: expect.stringContaining("MAX_STREAMS_PER_CLIENT") } });
    // Another client is not affected.
    const other = await open(uniqueSymbol("C"), freshIp(), settings);
    expect(other.status).toBe(200);

    await first.body?.cancel();
    const again = await vi.waitFor(async () => {
      const answer = await open(uniqueSymbol("C"), ip, settings);
      if (answer.status !== 200) throw new Error(`still ${answer.status}`);
      return answer;
    });
    await Promise.all([second.body?.cancel(), other.body?.cancel(), again.body?.cancel()]);
  });

  it("refuses a stream beyond MAX_STREAMS_PER_SYMBOL with 503 before streaming anything", async () => {
    const symbol = uniqueSymbol("S");
    const settings = { MAX_STREAMS_PER_SYMBOL: "2" };
    const open1 = await open(symbol, freshIp(), settings);
    const open2 = await open(symbol, freshIp(), settings);
    expect([open1.status, open2.status]).toEqual([200, 200]);

    const refused = await open(`${uniqueSymbol("S")},${symbol}`, freshIp(), settings);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).not.toBeNull();
    expect(await refused.json()).toMatchObject({ error: { code: "service_unavailable", message: expect.stringContaining("MAX_STREAMS_PER_SYMBOL") } });
    await Promise.all([open1.body?.cancel(), open2.body?.cancel()]);
  });
});
