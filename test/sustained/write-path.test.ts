/**
 * The write path under a sustained job (its own project, vitest.config.ts: a broker of its own, points flushed to
 * D1 a second after they are committed). What a client saw anywhere must end up in D1 with exactly one event at
 * the broker, however slow the broker and whatever restarts on the way.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, uniqueSymbol } from "../support/api";
import { deliveredEvents, type DeliveredEvent } from "../support/events";
import { eventually, sleep, startJob, stopJob } from "../support/jobs";
import { whenRequested } from "../support/scenario";
import { openSse } from "../support/streams";

const PRODUCE = "/kafka-v2/topics/price-events";

interface StoredPoint {
  ts: number;
  price: number;
  event_id: string;
}

async function storedPoints(symbol: string): Promise<StoredPoint[]> {
  return (await env.DB.prepare("SELECT ts, price, event_id FROM price_points WHERE symbol = ? ORDER BY ts").bind(symbol).all<StoredPoint>()).results;
}

/** Every stored point of `symbol` has its own event at the broker (by event_id), and the broker has no other. */
async function expectEachPointAnnouncedOnce(symbol: string): Promise<{ points: StoredPoint[]; events: DeliveredEvent[] }> {
  const points = await storedPoints(symbol);
  const events = await deliveredEvents(symbol);
  expect(points.length).toBeGreaterThan(0);
  const delivered = new Map(events.map((event) => [event.value.event_id, event.value]));
  expect([...delivered.keys()].sort()).toEqual(points.map((point) => point.event_id).sort());
  for (const point of points) expect(delivered.get(point.event_id)).toMatchObject({ timestamp: new Date(point.ts).toISOString(), price: point.price });
  return { points, events };
}

/** Crash these objects where they stand (in-memory state gone, whatever they were doing cut off), as a restart does. */
async function restart(ids: readonly DurableObjectId[]): Promise<void> {
  for (const id of ids) {
    const stub = id.name?.startsWith("provider:") ? env.PROVIDER_OBJECT.get(id) : env.SYMBOL_OBJECT.get(id);
    await runInDurableObject(stub, (_instance, state) => state.abort("restart")).catch(() => undefined);
  }
}

describe("a sustained job", () => {
  it("delivers every stored point's event through a slow broker (1.5 s an answer), after the job is stopped too", async () => {
    const slow = await whenRequested({ match: PRODUCE, method: "POST", responses: [{ brokerAck: "kafka-rest-v2", delayMs: 1_500 }] });
    const symbols = Array.from({ length: 10 }, () => uniqueSymbol("SL"));
    const id = await startJob({ symbols, interval: 1, provider: "synthetic" });
    await sleep(20_000);
    await stopJob(id);

    await eventually(async () => {
      for (const symbol of symbols) await expectEachPointAnnouncedOnce(symbol);
    }, 60_000);
    await slow();
  }, 120_000);

  it("after a restart in the middle of it, every point a client saw (history, stream, latest) is in D1 and has exactly one event", async () => {
    const symbols = Array.from({ length: 5 }, () => uniqueSymbol("RS"));
    const id = await startJob({ symbols, interval: 1, provider: "synthetic" });
    const seen = new Map<string, Set<number>>(symbols.map((symbol) => [symbol, new Set<number>()]));
    const watch = async () => {
      for (const symbol of symbols) {
        const latest = await call<{ timestamp: string }>(`/prices/latest?symbol=${symbol}&provider=synthetic&max_age=3600`);
        if (latest.status === 200) seen.get(symbol)!.add(Date.parse(latest.body.timestamp));
        const history = await call<{ points: { timestamp: string }[] }>(`/prices/history?symbol=${symbol}&provider=synthetic&limit=1000`);
        for (const point of history.body.points ?? []) seen.get(symbol)!.add(Date.parse(point.timestamp));
      }
    };
    const watchFor = async (seconds: number) => {
      const stream = await openSse(`/prices/stream?symbols=${symbols.join(",")}&provider=synthetic`);
      for (let round = 0; round < seconds; round++) {
        await sleep(1_000);
        await watch();
      }
      for (const event of stream.priceEvents()) seen.get(event.symbol)?.add(Date.parse(event.timestamp));
      // An open stream holds its objects: the restart below comes right after the client leaves.
      await stream.close();
    };
    await watchFor(4);
    await restart([...symbols.map((symbol) => env.SYMBOL_OBJECT.idFromName(`synthetic:${symbol}`)), env.PROVIDER_OBJECT.idFromName("provider:synthetic")]);
    await watchFor(4);
    await stopJob(id);

    await eventually(async () => {
      for (const symbol of symbols) {
        const { points } = await expectEachPointAnnouncedOnce(symbol);
        const stored = new Set(points.map((point) => point.ts));
        expect([...seen.get(symbol)!].filter((ts) => !stored.has(ts))).toEqual([]);
      }
    }, 30_000);
    // The job kept going across the restart: points from before and after it.
    for (const symbol of symbols) expect((await storedPoints(symbol)).length).toBeGreaterThanOrEqual(5);
  }, 90_000);
});
