/** The symbol object's point log: a ring of OUTBOX_CAPACITY slots whose newest events also serve resuming streams. */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { symbolObject } from "../../src/objects/symbol";
import { pricePointRow } from "../../src/store/prices";
import { RECENT_EVENTS } from "../../src/stream/protocol";
import { OUTBOX_CAPACITY, PointLog } from "../../src/symbol/point-log";
import { uniqueSymbol } from "../support/api";

/** Commit `count` points (event ids "e<seq>"), the sink and D1 keeping up until the last `behind` of them. */
function commit(log: PointLog, count: number, behind: number): void {
  for (let seq = 1; seq <= count; seq++) {
    const at = 1_700_000_000_000 + seq * 1000;
    const point = pricePointRow({ symbol: "PL", provider: "synthetic", price: seq, timestamp: at }, "raw-ring", `e${seq}`, at);
    log.append({ timestamp: at, event: JSON.stringify({ event_id: `e${seq}` }), point, raw: null, loggedAt: at });
    if (seq <= count - behind) {
      log.markDelivered(seq);
      log.markFlushed(seq);
    }
  }
}

describe("the point log", () => {
  it("hands out the undelivered events and unflushed points in commit order across the end of the ring, once it has wrapped", async () => {
    // A fresh object's storage, used here by a log of the test's own (the object itself is never called).
    await runInDurableObject(symbolObject(env, { provider: "synthetic", symbol: uniqueSymbol("PL") }), async (_object, state) => {
      const log = new PointLog(state.storage.sql, state.storage.kv);
      const count = OUTBOX_CAPACITY + 10;
      commit(log, count, 25);

      const seqs = (points: { seq: number }[]) => points.map((point) => point.seq);
      const waiting = Array.from({ length: 25 }, (_, index) => count - 24 + index);
      expect(seqs(log.eventsToDeliver(100))).toEqual(waiting);
      expect(seqs(log.pointsToFlush(10))).toEqual(waiting.slice(0, 10));
      expect(log.hasRoom()).toBe(true);
      // The same rows after a restart: the log reads its cursors back (stored once the step that moved them is done).
      await Promise.resolve();
      expect(seqs(new PointLog(state.storage.sql, state.storage.kv).eventsToDeliver(100))).toEqual(waiting);
    });
  });

  it(`replays a resuming stream's events from its newest ${RECENT_EVENTS}, in commit order, and knows nothing older`, async () => {
    await runInDurableObject(symbolObject(env, { provider: "synthetic", symbol: uniqueSymbol("PL") }), (_object, state) => {
      const log = new PointLog(state.storage.sql, state.storage.kv);
      const count = OUTBOX_CAPACITY + 10;
      commit(log, count, 0);

      const oldestKept = count - RECENT_EVENTS + 1;
      expect(log.find(`e${oldestKept}`)?.seq).toBe(oldestKept);
      expect(log.find(`e${oldestKept - 1}`)).toBeUndefined();
      expect(log.replay(count - 15).map((event) => event.eventId)).toEqual(Array.from({ length: 15 }, (_, index) => `e${count - 14 + index}`));
      expect(log.replay(count)).toEqual([]);
      // "Since" a time reaches back as far as the newest RECENT_EVENTS, never further.
      expect(log.replay(count, 0)).toHaveLength(RECENT_EVENTS);
      expect(log.newestSeq).toBe(count);
    });
  });

  it("stores both cursors with one write when a step moves both (a round's confirmation)", async () => {
    await runInDurableObject(symbolObject(env, { provider: "synthetic", symbol: uniqueSymbol("PL") }), async (_object, state) => {
      const log = new PointLog(state.storage.sql, state.storage.kv);
      commit(log, 3, 3);
      log.markDelivered(3);
      log.markFlushed(2);
      await Promise.resolve();
      expect(log.kvWrites).toBe(1);
      const reread = new PointLog(state.storage.sql, state.storage.kv);
      expect({ delivered: reread.deliveredThrough, flushed: reread.flushedThrough }).toEqual({ delivered: 3, flushed: 2 });
    });
  });

  it("stores cursors moved during a hand-out with the new point's row, with no write of their own", async () => {
    await runInDurableObject(symbolObject(env, { provider: "synthetic", symbol: uniqueSymbol("PL") }), async (_object, state) => {
      const log = new PointLog(state.storage.sql, state.storage.kv);
      commit(log, 3, 3);
      await Promise.resolve();
      const writesBefore = log.kvWrites;

      log.holdCursorWrites();
      log.markDelivered(3);
      log.markFlushed(3);
      await Promise.resolve();
      commit(log, 1, 1);
      log.releaseCursorWrites();
      await Promise.resolve();

      expect(log.kvWrites).toBe(writesBefore);
      const reread = new PointLog(state.storage.sql, state.storage.kv);
      expect({ delivered: reread.deliveredThrough, flushed: reread.flushedThrough, newest: reread.newestSeq }).toEqual({ delivered: 3, flushed: 3, newest: 4 });
    });
  });
});
