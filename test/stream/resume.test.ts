import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { symbolObject } from "../../src/objects/symbol";
import { settled } from "../../src/objects/outcome";
import { RECENT_EVENTS } from "../../src/stream/protocol";
import { uniqueSymbol } from "../support/api";
import { eventually, sleep, startJob, stopJob } from "../support/jobs";
import { openSse } from "../support/streams";
import { pointOf, pointsBetween, storedHistory } from "../support/streams-history";

describe("resuming a stream with Last-Event-ID", () => {
  it("replays, in order, every point stored after that event, then goes on live", async () => {
    const symbol = uniqueSymbol("R");
    const first = await openSse(`/prices/stream?symbols=${symbol}`);
    await first.waitForComment(/^live:/);
    const job = await startJob({ symbols: [symbol], interval: 1, provider: "synthetic" });
    const [, lastSeen] = await first.waitForPriceEvents(2);
    await first.close();
    // Away long enough to miss at least two points.
    await sleep(2_200);

    const again = await openSse(`/prices/stream?symbols=${symbol}`, { "last-event-id": lastSeen!.event_id });
    await again.waitForComment(new RegExp(`resumed after event ${lastSeen!.event_id}`));
    const stored = await storedHistory(symbol);
    const missed = pointsBetween(stored, lastSeen!.timestamp, stored.at(-1)!.timestamp);
    expect(missed.length).toBeGreaterThanOrEqual(2);
    // The missed points, then at least one live one.
    const resumed = await again.waitForPriceEvents(missed.length + 1);
    await stopJob(job);
    await again.close();

    expect(resumed.map(pointOf)).toEqual(pointsBetween(await storedHistory(symbol, "synthetic", resumed.at(-1)!.timestamp), lastSeen!.timestamp, resumed.at(-1)!.timestamp));
  });

  it("resumes every symbol of a multi-symbol stream, not only the one the event belongs to", async () => {
    const symbols = [uniqueSymbol("A"), uniqueSymbol("B")];
    const first = await openSse(`/prices/stream?symbols=${symbols.join(",")}`);
    await first.waitForComment(/^live:/);
    const job = await startJob({ symbols, interval: 1, provider: "synthetic" });
    await eventually(async () => {
      for (const symbol of symbols) expect(first.priceEvents().filter((event) => event.symbol === symbol).length).toBeGreaterThanOrEqual(2);
    });
    await first.close();
    const seen = first.priceEvents();
    await sleep(2_200);

    const again = await openSse(`/prices/stream?symbols=${symbols.join(",")}`, { "last-event-id": seen.at(-1)!.event_id });
    await again.waitForComment(/resumed after event/);
    await eventually(async () => {
      for (const symbol of symbols) expect(again.priceEvents().filter((event) => event.symbol === symbol).length).toBeGreaterThanOrEqual(3);
    });
    await stopJob(job);
    await again.close();

    for (const symbol of symbols) {
      const lastSeen = seen.filter((event) => event.symbol === symbol).at(-1)!;
      const resumed = again.priceEvents().filter((event) => event.symbol === symbol);
      // Nothing missed; a few events from just before the resume point may come again (at least once).
      const expected = pointsBetween(await storedHistory(symbol, "synthetic", resumed.at(-1)!.timestamp), lastSeen.timestamp, resumed.at(-1)!.timestamp);
      expect(resumed.map(pointOf)).toEqual(expect.arrayContaining(expected));
      expect(resumed.map(pointOf).filter((point) => point.timestamp > lastSeen.timestamp)).toEqual(expected);
    }
    // The resume point's own symbol replays exactly what follows it.
    const owner = seen.at(-1)!;
    expect(again.priceEvents().find((event) => event.symbol === owner.symbol)!.timestamp > owner.timestamp).toBe(true);
  });

  it("says so and streams live when no symbol holds the event any more", async () => {
    const symbol = uniqueSymbol("G");
    const client = await openSse(`/prices/stream?symbols=${symbol}`, { "last-event-id": crypto.randomUUID() });
    await client.waitForComment(/nothing replayed: event [0-9a-f-]{36} is not among the last 1000 events/);
    const job = await startJob({ symbols: [symbol], interval: 1, provider: "synthetic" });
    const [event] = await client.waitForPriceEvents(1);
    await stopJob(job);
    await client.close();
    expect(event!.symbol).toBe(symbol);
  });

  it(`keeps each symbol's last ${RECENT_EVENTS} events: resuming within them replays the rest in full, before them replays nothing`, async () => {
    const symbol = uniqueSymbol("F");
    const target = { provider: "synthetic" as const, symbol };
    const stub = symbolObject(env, target);
    const raw = { id: "raw-replay", fetchedAt: Date.now() };
    // Committed through the object, as a batch round hands quotes to it (quotes sent together commit in the order sent).
    const quotes = Array.from({ length: RECENT_EVENTS + 1 }, (_, second) => ({ symbol, provider: "synthetic" as const, price: 100 + second / 100, timestamp: 1_700_000_000_000 + second * 1000 }));
    for (let start = 0; start < quotes.length; start += 100) {
      const outcomes = await Promise.all(quotes.slice(start, start + 100).map((quote) => stub.ingest(target, quote, raw)));
      expect(outcomes.every((outcome) => settled(outcome).ok)).toBe(true);
    }
    const events = await eventually(async () => {
      const stored = await env.DB.prepare("SELECT event_id FROM price_points WHERE symbol = ? ORDER BY ts").bind(symbol).all<{ event_id: string }>();
      expect(stored.results).toHaveLength(RECENT_EVENTS + 1);
      return stored.results;
    });

    const oldestKept = events[1]!;
    const client = await openSse(`/prices/stream?symbols=${symbol}`, { "last-event-id": oldestKept.event_id });
    const replayed = await client.waitForPriceEvents(RECENT_EVENTS - 1);
    await client.close();
    expect(replayed.map((event) => event.event_id)).toEqual(events.slice(2).map((event) => event.event_id));
    expect(client.events.filter((event) => event.event === "stream.closed")).toEqual([]);

    const tooLate = await openSse(`/prices/stream?symbols=${symbol}`, { "last-event-id": events[0]!.event_id });
    await tooLate.waitForComment(/nothing replayed/);
    await tooLate.close();
    expect(tooLate.priceEvents()).toEqual([]);
  }, 60_000);
});
