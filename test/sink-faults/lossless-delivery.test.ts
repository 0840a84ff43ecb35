import { env, evictAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, uniqueSymbol } from "../support/api";
import { deliveredEvents, type DeliveredEvent } from "../support/events";
import { eventually, sleep, startJob, stopJob } from "../support/jobs";
import { whenRequested } from "../support/scenario";

// This project's sink: the fixture server as a Kafka REST v2 proxy, EVENT_SINK_TIMEOUT_MS=500 (vitest.config.ts).
const PRODUCE = "/kafka-v2/topics/price-events";

async function storedTimestamps(symbol: string): Promise<string[]> {
  const rows = await env.DB.prepare("SELECT ts FROM price_points WHERE symbol = ? ORDER BY ts").bind(symbol).all<{ ts: number }>();
  return rows.results.map((row) => new Date(row.ts).toISOString());
}

/** First delivery of each event, in arrival order; retries of an event_id are what at-least-once allows. */
function firstDeliveries(events: readonly DeliveredEvent[]): DeliveredEvent[] {
  const seen = new Set<string>();
  return events.filter((event) => !seen.has(event.value.event_id) && seen.add(event.value.event_id));
}

async function expectEveryPointDeliveredInOrder(symbol: string): Promise<void> {
  await eventually(async () => {
    const stored = await storedTimestamps(symbol);
    const delivered = firstDeliveries(await deliveredEvents(symbol));
    expect(stored.length).toBeGreaterThan(0);
    // One event per stored point, in the order the points were stored.
    expect(delivered.map((event) => event.value.timestamp)).toEqual(stored);
  }, 30_000);
  const outbox = await env.DB.prepare("SELECT count(*) AS n FROM outbox WHERE symbol = ?").bind(symbol).first();
  expect(outbox).toEqual({ n: 0 });
}

describe("lossless price events", () => {
  it("delivers every event of every new point, in per-symbol order, after the sink fails (500, timeout, 401, 503) and recovers", async () => {
    const symbols = [uniqueSymbol("S"), uniqueSymbol("S")];
    const bringBack = await whenRequested({
      match: PRODUCE,
      method: "POST",
      responses: [{ status: 500, json: { error_code: 50001, message: "broker down" } }, { hang: true }, { status: 401, json: { error_code: 40101, message: "Unauthorized" } }, { status: 503, body: "unavailable" }],
    });
    const id = await startJob({ symbols, interval: 1, provider: "synthetic" });

    await sleep(4_000);
    // Events are waiting in the symbols' outboxes (their objects' storage) and delivery has been attempted: each
    // symbol whose delivery failed is listed as behind, and /health counts it.
    const behind = await env.DB.prepare("SELECT count(*) AS n FROM event_backlogs WHERE symbol IN (?, ?)").bind(...symbols).first<{ n: number }>();
    expect(behind!.n).toBeGreaterThan(0);
    const health = await call<{ events: { symbols_behind: number } }>("/health");
    expect(health.body.events.symbols_behind).toBeGreaterThan(0);

    await bringBack();
    await sleep(1_500);
    await stopJob(id);
    for (const symbol of symbols) await expectEveryPointDeliveredInOrder(symbol);
  });

  it("keeps pending events across a restart of the objects", async () => {
    const symbol = uniqueSymbol("R");
    const bringBack = await whenRequested({ match: PRODUCE, method: "POST", responses: [{ status: 503, body: "unavailable" }] });
    const id = await startJob({ symbols: [symbol], interval: 1, provider: "synthetic" });
    await eventually(async () => expect((await storedTimestamps(symbol)).length).toBeGreaterThanOrEqual(3));
    await stopJob(id);

    await evictAllDurableObjects();
    await bringBack();
    await expectEveryPointDeliveredInOrder(symbol);
  });
});
