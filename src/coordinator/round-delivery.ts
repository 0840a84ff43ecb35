import type { Config, Env } from "../env";
import { SinkError, type Sink } from "../events/sink";
import { createSink } from "../events/sinks";
import type { LentPoint, LentSeqs, RoundHandOut } from "../objects/round-delivery";
import { symbolClient } from "../objects/symbol";
import type { ProviderName } from "../providers/provider";
import type { Database } from "../store/db";
import { storePointRows } from "../store/prices";
import { forEachBounded } from "./bounded";

/** Events in one publish, and points in one D1 statement, of a round: one request carries this many symbols. */
export const ROUND_BATCH = 500;
/** A confirmation waits for the symbol's next hand-out when that comes this soon; otherwise it is sent at once. */
const PIGGYBACK_MS = 3_000;
/** After a failed publish (or D1 write), rounds leave that to the symbol objects (their backoff, dead letters) this long. */
const STAND_BACK_MS = 60_000;
/** Confirmations (or returns) sent on their own at a time. */
const CONCURRENT_MESSAGES = 50;

/** What one symbol lent this round. */
export interface RoundLoan {
  symbol: string;
  lent: LentPoint;
}

/**
 * The batch rounds' side of getting new points out (src/objects/round-delivery.ts says the protocol): a round's
 * symbol objects lend it their new points' events and rows, the round publishes the events in a few sink
 * requests and writes the rows in a few D1 statements for all its symbols, and confirms what it did to each
 * symbol — in that symbol's next hand-out when it is due again soon, else at once. Without this, each of N
 * symbol objects made its own sink request per point (N requests a round, which on one machine queued behind
 * each other until they timed out and were sent again) and its own D1 write every flush.
 *
 * Kept in the coordinator's memory: a coordinator that restarts forgets what it has not confirmed yet, and the
 * objects do those themselves when their lends run out (a second copy of such an event at the broker, as any
 * restart may cause; a point written twice is stored once).
 */
export class RoundDelivery {
  /** Per symbol, what the round did with its loan and has not told the object yet. */
  private readonly unconfirmed = new Map<string, { done: LentSeqs; at: number }>();
  private sinkFailedAt = -Infinity;
  private databaseFailedAt = -Infinity;
  private sinkInstance: Sink | undefined;

  /** What to tell a symbol object as its quote is handed over: the last confirmation, and what to lend. */
  handOut(symbol: string, now: number): RoundHandOut {
    const confirmed = this.unconfirmed.get(symbol);
    this.unconfirmed.delete(symbol);
    const lend = { events: now - this.sinkFailedAt >= STAND_BACK_MS, points: now - this.databaseFailedAt >= STAND_BACK_MS };
    return { lend, ...(confirmed ? { confirmed: confirmed.done } : {}) };
  }

  /**
   * Publish the round's lent events and write its lent points. What went through is confirmed later (settle);
   * what did not goes back to its object at once, which does it with its own retries (and shows in /health).
   */
  async deliver(env: Env, db: Database, config: Config, provider: ProviderName, loans: readonly RoundLoan[], now: number): Promise<void> {
    const withEvents = loans.filter(({ lent }) => lent.event);
    const withPoints = loans.filter(({ lent }) => lent.point);
    const published = await this.publish(config, provider, withEvents);
    const written = await this.write(db, provider, withPoints);
    const back: [string, LentSeqs][] = [];
    for (const { symbol, lent } of loans) {
      const done: LentSeqs = {};
      const undone: LentSeqs = {};
      if (lent.event) (published.has(symbol) ? done : undone).event = lent.seq;
      if (lent.point) (written.has(symbol) ? done : undone).point = lent.seq;
      if (done.event !== undefined || done.point !== undefined) this.unconfirmed.set(symbol, { done, at: now });
      if (undone.event !== undefined || undone.point !== undefined) back.push([symbol, undone]);
    }
    await forEachBounded(back, CONCURRENT_MESSAGES, async ([symbol, undone]) => {
      try {
        await symbolClient(env, { provider, symbol }).returnLent(undone);
      } catch (error) {
        console.warn(`giving ${provider}:${symbol} back what a round could not do failed; it does it when the lend runs out: ${String(error)}`);
      }
    });
  }

  /**
   * Confirm now what would wait too long for a hand-out: symbols not due again within PIGGYBACK_MS, and those
   * left from an earlier round (they were not handed a quote this round).
   */
  async confirmWaiting(env: Env, provider: ProviderName, nextDueAt: (symbol: string) => number | undefined, roundStartedAt: number, now: number): Promise<void> {
    const confirmNow = [...this.unconfirmed].filter(([symbol, { at }]) => {
      const due = nextDueAt(symbol);
      return at < roundStartedAt || due === undefined || due > now + PIGGYBACK_MS;
    });
    for (const [symbol] of confirmNow) this.unconfirmed.delete(symbol);
    await forEachBounded(confirmNow, CONCURRENT_MESSAGES, async ([symbol, { done }]) => {
      try {
        await symbolClient(env, { provider, symbol }).confirmLent(done);
      } catch (error) {
        console.warn(`confirming ${provider}:${symbol}'s delivered point failed; it is done again when the lend runs out: ${String(error)}`);
      }
    });
  }

  /** Confirm everything still waiting (no round is coming for these symbols). */
  async confirmAll(env: Env, provider: ProviderName): Promise<void> {
    await this.confirmWaiting(env, provider, () => undefined, Infinity, Date.now());
  }

  /** The symbols whose events the sink acknowledged. */
  private async publish(config: Config, provider: ProviderName, loans: readonly RoundLoan[]): Promise<Set<string>> {
    const acknowledged = new Set<string>();
    for (let start = 0; start < loans.length; start += ROUND_BATCH) {
      const batch = loans.slice(start, start + ROUND_BATCH);
      try {
        this.sinkInstance ??= createSink(config, { timeoutMs: config.EVENT_SINK_TIMEOUT_MS });
        await this.sinkInstance.publish(batch.flatMap(({ lent }) => (lent.event ? [lent.event] : [])));
        for (const { symbol } of batch) acknowledged.add(symbol);
      } catch (error) {
        this.sinkFailedAt = Date.now();
        const partly = error instanceof SinkError ? Math.min(error.acknowledged, batch.length) : 0;
        for (const { symbol } of batch.slice(0, partly)) acknowledged.add(symbol);
        console.warn(`publishing a ${provider} round's ${batch.length} events failed; their symbols deliver them: ${String(error)}`);
        break;
      }
    }
    return acknowledged;
  }

  /** The symbols whose points D1 stored (or held already). */
  private async write(db: Database, provider: ProviderName, loans: readonly RoundLoan[]): Promise<Set<string>> {
    const stored = new Set<string>();
    for (let start = 0; start < loans.length; start += ROUND_BATCH) {
      const batch = loans.slice(start, start + ROUND_BATCH);
      try {
        await storePointRows(db, batch.flatMap(({ lent }) => (lent.point ? [lent.point] : [])));
        for (const { symbol } of batch) stored.add(symbol);
      } catch (error) {
        this.databaseFailedAt = Date.now();
        console.warn(`writing a ${provider} round's ${batch.length} points to D1 failed; their symbols write them: ${String(error)}`);
        break;
      }
    }
    return stored;
  }
}
