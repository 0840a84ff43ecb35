/** Faults that used to poison a symbol: a quote no event can describe, an event no sink can take, a correction. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { priceUpdated } from "../../src/events/price-events";
import { settled } from "../../src/objects/outcome";
import { call, uniqueSymbol } from "../support/api";
import { deliveredEvents, waitForEvents } from "../support/events";
import { eventually, sleep } from "../support/jobs";

const BASE = Date.parse("2024-03-20T15:00:00Z");
/** Past year 9999: an ISO-8601 timestamp cannot say it, so its event can never pass its own schema. */
const YEAR_10000 = Date.UTC(10000, 0, 1);

function binanceObject(symbol: string) {
  return { target: { provider: "binance" as const, symbol }, stub: env.SYMBOL_OBJECT.get(env.SYMBOL_OBJECT.idFromName(`binance:${symbol}`)) };
}

const quote = (symbol: string, price: number, timestamp: number) => ({ symbol, provider: "binance" as const, price, timestamp });
const raw = () => ({ id: crypto.randomUUID(), fetchedAt: Date.now() });

async function storedPoints(symbol: string): Promise<{ ts: number; price: number }[]> {
  return (await env.DB.prepare("SELECT ts, price FROM price_points WHERE symbol = ? ORDER BY ts").bind(symbol).all<{ ts: number; price: number }>()).results;
}

describe("poison events", () => {
  it("refuses a quote whose event could never be delivered, before writing anything; the next quote goes through", async () => {
    const symbol = uniqueSymbol("PZ");
    const { target, stub } = binanceObject(symbol);

    const refused = settled(await stub.ingest(target, quote(symbol, 100, YEAR_10000), raw()));
    const accepted = settled(await stub.ingest(target, quote(symbol, 101, BASE), raw()));

    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.code).toBe("provider_error");
    expect(accepted.ok).toBe(true);
    const events = await waitForEvents(symbol, 1);
    expect(events.map((event) => event.value.price)).toEqual([101]);
    await eventually(async () => expect(await storedPoints(symbol)).toEqual([{ ts: BASE, price: 101 }]));
  });

  it("sets an undeliverable event aside as a dead letter (in /events/dead-letters and /health) and delivers the ones behind it", async () => {
    const symbol = uniqueSymbol("DL");
    const { target, stub } = binanceObject(symbol);
    // What an earlier version could leave in its outbox: an event dated past year 9999, then a sound one.
    const poison = { ...priceUpdated(quote(symbol, 99, BASE), "raw-poison"), timestamp: "+010000-01-01T00:00:00.000Z" };
    const sound = priceUpdated(quote(symbol, 100, BASE + 1_000), "raw-sound");
    const insert = env.DB.prepare("INSERT INTO outbox (event_id, symbol, provider, payload, created_at) VALUES (?, ?, 'binance', ?, ?)");
    await env.DB.batch([insert.bind(poison.event_id, symbol, JSON.stringify(poison), BASE), insert.bind(sound.event_id, symbol, JSON.stringify(sound), BASE)]);

    expect(settled(await stub.ingest(target, quote(symbol, 101, BASE + 2_000), raw())).ok).toBe(true);

    const events = await waitForEvents(symbol, 2);
    expect(events.map((event) => event.value.price)).toEqual([100, 101]);
    const letters = await call<{ dead_letters: { event_id: string; symbol: string; reason: string }[] }>("/events/dead-letters");
    expect(letters.status).toBe(200);
    expect(letters.body.dead_letters).toContainEqual(expect.objectContaining({ event_id: poison.event_id, symbol, reason: expect.stringContaining("timestamp") }));
    const health = await call<{ events: { dead_letters: number } }>("/health");
    expect(health.body.events.dead_letters).toBeGreaterThanOrEqual(1);
  });
});

describe("latest", () => {
  it("is always the newest stored point: a corrected price at an unchanged quote time is neither stored, announced nor served", async () => {
    const symbol = uniqueSymbol("LC");
    const { target, stub } = binanceObject(symbol);

    await stub.ingest(target, quote(symbol, 100, BASE), raw());
    const corrected = settled(await stub.ingest(target, quote(symbol, 100.5, BASE), raw()));

    expect(corrected.ok && corrected.value.latest.price).toBe(100);
    const latest = settled(await stub.latest(target, 3_600));
    expect(latest.ok && latest.value.price).toBe(100);
    await eventually(async () => expect(await storedPoints(symbol)).toEqual([{ ts: BASE, price: 100 }]));
    await waitForEvents(symbol, 1);
    await sleep(300);
    expect((await deliveredEvents(symbol)).map((event) => event.value.price)).toEqual([100]);
  });
});
