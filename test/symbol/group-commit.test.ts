import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { symbolObject } from "../../src/objects/symbol";
import { settled } from "../../src/objects/outcome";
import { uniqueSymbol } from "../support/api";
import { waitForEvents } from "../support/events";
import { eventually } from "../support/jobs";

const BASE = Date.parse("2024-03-20T15:00:00Z");

describe("the symbol object's writes", () => {
  it("records many concurrent quotes, each once, with their events in quote order", async () => {
    const symbol = uniqueSymbol("G");
    const target = { provider: "binance" as const, symbol };
    const stub = symbolObject(env, { provider: "binance", symbol });
    const raw = { id: crypto.randomUUID(), fetchedAt: BASE };
    const quotes = Array.from({ length: 60 }, (_, index) => ({ symbol, provider: "binance" as const, price: 100 + index, timestamp: BASE + index * 1000 }));

    // The same quote twice (a duplicate in the same group write) stores one point and one event.
    const outcomes = await Promise.all([...quotes, quotes[10]!].map((quote) => stub.ingest(target, quote, raw)));

    expect(outcomes.every((outcome) => settled(outcome).ok)).toBe(true);
    // In D1 at the object's next flush (HISTORY_FLUSH_SECONDS).
    await eventually(async () => {
      const stored = await env.DB.prepare("SELECT ts, price FROM price_points WHERE symbol = ? ORDER BY ts").bind(symbol).all<{ ts: number; price: number }>();
      expect(stored.results).toEqual(quotes.map((quote) => ({ ts: quote.timestamp, price: quote.price })));
    });
    const events = await waitForEvents(symbol, 60);
    expect(events.map((event) => event.value.price)).toEqual(quotes.map((quote) => quote.price));
  });
});
