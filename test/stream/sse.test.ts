import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { symbolObject } from "../../src/objects/symbol";
import { BASE, uniqueSymbol } from "../support/api";
import { waitForEvents } from "../support/events";
import { eventually, sleep, startJob, stopJob } from "../support/jobs";
import { openSse } from "../support/streams";
import { pointOf, pointsBetween, storedHistory } from "../support/streams-history";

/** Stream sockets the symbol object holds open (hibernatable ones included). */
async function openStreamSockets(symbol: string): Promise<number> {
  const stub = symbolObject(env, { provider: "synthetic", symbol });
  return runInDurableObject(stub, (_instance, state) => state.getWebSockets().length);
}

describe("GET /prices/stream as Server-Sent Events", () => {
  it("sends every new point of a 1-second synthetic job as a price.updated event equal to the stored point, with id: = event_id", async () => {
    const symbol = uniqueSymbol("S");
    const client = await openSse(`/prices/stream?symbols=${symbol.toLowerCase()}`);
    expect(client.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(client.response.headers.get("cache-control")).toContain("no-cache");
    await client.waitForComment(new RegExp(`^live: ${symbol} from synthetic`));

    const job = await startJob({ symbols: [symbol], interval: 1, provider: "synthetic" });
    const events = await client.waitForPriceEvents(3);
    await stopJob(job);
    await client.close();

    for (const [index, sent] of client.events.entries()) {
      expect(sent.event).toBe("price.updated");
      expect(sent.id).toBe(events[index]!.event_id);
    }
    expect(events.every((event) => event.symbol === symbol && event.provider === "synthetic")).toBe(true);
    // Every point stored while the client listened, in order, and nothing else.
    const stored = await storedHistory(symbol, "synthetic", events.at(-1)!.timestamp);
    expect(events.map(pointOf)).toEqual(pointsBetween(stored, undefined, events.at(-1)!.timestamp));
    // The very events the Kafka sink is given, not look-alikes.
    const delivered = await waitForEvents(symbol, events.length);
    expect(delivered.map((record) => record.value.event_id)).toEqual(expect.arrayContaining(events.map((event) => event.event_id)));
  });

  it("merges the events of several symbols, each symbol in its own order", async () => {
    const symbols = [uniqueSymbol("M"), uniqueSymbol("M")];
    const client = await openSse(`/prices/stream?symbols=${symbols.join(",")}&provider=synthetic`);
    await client.waitForComment(/^live:/);
    const job = await startJob({ symbols, interval: 1, provider: "synthetic" });

    await eventually(async () => {
      for (const symbol of symbols) expect(client.priceEvents().filter((event) => event.symbol === symbol).length).toBeGreaterThanOrEqual(2);
    });
    await stopJob(job);
    await client.close();

    for (const symbol of symbols) {
      const events = client.priceEvents().filter((event) => event.symbol === symbol);
      expect(events.map(pointOf)).toEqual(pointsBetween(await storedHistory(symbol, "synthetic", events.at(-1)!.timestamp), undefined, events.at(-1)!.timestamp));
    }
  });

  it("sends a heartbeat comment every `heartbeat` seconds while no price comes", async () => {
    const client = await openSse(`/prices/stream?symbols=${uniqueSymbol("H")}&heartbeat=1`);
    await client.waitForComment(/^live:/);
    const before = client.comments.filter((text) => text === "heartbeat").length;
    await sleep(2_300);
    expect(client.comments.filter((text) => text === "heartbeat").length - before).toBeGreaterThanOrEqual(2);
    expect(client.priceEvents()).toEqual([]);
    await client.close();
  });

  it("a client that leaves or never reads does not hold up the others, and the symbol object releases the leaver's socket", async () => {
    const symbol = uniqueSymbol("D");
    const reader = await openSse(`/prices/stream?symbols=${symbol}`);
    const leaver = await openSse(`/prices/stream?symbols=${symbol}`);
    // A client that never reads: its response body is left as it is.
    const idle = await SELF.fetch(`${BASE}/prices/stream?symbols=${symbol}`);
    await Promise.all([reader.waitForComment(/^live:/), leaver.waitForComment(/^live:/)]);
    await eventually(async () => expect(await openStreamSockets(symbol)).toBe(3));

    const job = await startJob({ symbols: [symbol], interval: 1, provider: "synthetic" });
    await leaver.waitForPriceEvents(1);
    await leaver.close();
    await eventually(async () => expect(await openStreamSockets(symbol)).toBe(2));

    const seen = reader.priceEvents().length;
    await reader.waitForPriceEvents(seen + 3, 6_000);
    await stopJob(job);
    await reader.close();
    await idle.body?.cancel();
    await eventually(async () => expect(await openStreamSockets(symbol)).toBe(0));
  });
});
