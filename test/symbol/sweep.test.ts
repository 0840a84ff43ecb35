import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { priceUpdated } from "../../src/events/price-events";
import { sweepStrandedEvents } from "../../src/symbol/sweep";
import { uniqueSymbol } from "../support/api";
import { waitForEvents } from "../support/events";

describe("the cron's event sweep", () => {
  it("wakes a symbol whose events nobody is delivering (left in the D1 outbox, no alarm, no new point) and they go out in order", async () => {
    const symbol = uniqueSymbol("SW");
    const events = [0, 1, 2].map((index) => priceUpdated({ symbol, provider: "binance", price: 10 + index, timestamp: Date.UTC(2024, 2, 20, 15, 0, index) }, "raw-sweep"));
    const insert = env.DB.prepare("INSERT INTO outbox (event_id, symbol, provider, payload, created_at) VALUES (?, ?, 'binance', ?, 0)");
    await env.DB.batch(events.map((event) => insert.bind(event.event_id, symbol, JSON.stringify(event))));

    expect(await sweepStrandedEvents(env)).toBeGreaterThanOrEqual(1);

    const delivered = await waitForEvents(symbol, 3);
    expect(delivered.map((event) => event.value.event_id)).toEqual(events.map((event) => event.event_id));
    const left = await env.DB.prepare("SELECT count(*) AS n FROM outbox WHERE symbol = ?").bind(symbol).first();
    expect(left).toEqual({ n: 0 });
  });
});
