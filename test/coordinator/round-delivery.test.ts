/**
 * A batch round publishes its symbols' new events and writes their points together: a few sink requests and D1
 * statements a round for all its symbols, not one per symbol object; each event once, in each symbol's order;
 * and every symbol object told what went out.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { symbolObject } from "../../src/objects/symbol";
import { PointLog } from "../../src/symbol/point-log";
import { uniqueSymbol } from "../support/api";
import { deliveredEvents, sinkRequests } from "../support/events";
import { eventually, startJob, stopJob } from "../support/jobs";
import { whenRequested } from "../support/scenario";

describe("events of a batch round", () => {
  it("reach the sink in one request per round for all the round's symbols, each once and in order, and each object knows they went out and are in D1", async () => {
    const tag = uniqueSymbol("RD");
    const symbols = Array.from({ length: 20 }, (_, index) => `${tag}K${index}`);
    await whenRequested({ match: tag, responses: [{ json: symbols.map((symbol, index) => ({ symbol, price: `${10 + index}.25000000` })) }] });
    const requestsBefore = (await sinkRequests()).length;

    const job = await startJob({ symbols, interval: 1, provider: "binance" });
    await eventually(async () => {
      const delivered = await deliveredEvents();
      for (const symbol of symbols) expect(delivered.filter((event) => event.key === symbol).length).toBeGreaterThanOrEqual(3);
    }, 15_000);
    await stopJob(job);

    const ours = new Set(symbols);
    const requests = (await sinkRequests()).slice(requestsBefore);
    const carrying = requests.filter((request) => symbols.some((symbol) => request.body.includes(`"${symbol}"`)));
    const events = (await deliveredEvents()).filter((event) => ours.has(event.key));
    // Whole rounds in one request each (a symbol object publishing its own events would make one request per event).
    expect(carrying.length).toBeLessThanOrEqual(Math.ceil(events.length / symbols.length) + 2);

    for (const symbol of symbols) {
      const stored = await env.DB.prepare("SELECT event_id FROM price_points WHERE symbol = ? AND provider = 'binance' ORDER BY ts").bind(symbol).all<{ event_id: string }>();
      const published = events.filter((event) => event.key === symbol).map((event) => event.value.event_id);
      // Each event once, in quote order; D1 may still lack the newest points (its flush runs every second here).
      expect(published.length).toBe(new Set(published).size);
      expect(stored.results.map((row) => row.event_id)).toEqual(published.slice(0, stored.results.length));
      // The object's log says every event went out and every point is in D1: nothing waits to be done again.
      const log = await runInDurableObject(symbolObject(env, { provider: "binance", symbol }), (_object, state) => {
        // The log as the object reads it when it wakes.
        const stored = new PointLog(state.storage.sql, state.storage.kv);
        return { delivered: stored.deliveredThrough, flushed: stored.flushedThrough, newest: stored.newestSeq };
      });
      expect(log).toEqual({ delivered: log.newest, flushed: log.newest, newest: published.length });
    }
  });
});
