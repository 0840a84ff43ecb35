import type { Config, Env } from "../env";
import { SinkError, type Sink } from "../events/sink";
import { createSink } from "../events/sinks";
import type { LentEvent, RoundHandOut } from "../objects/round-delivery";
import { symbolClient } from "../objects/symbol";
import type { ProviderName } from "../providers/provider";
import { forEachBounded } from "./bounded";

/** Events in one publish of a round: one sink request carries this many symbols' new points. */
export const ROUND_PUBLISH_BATCH = 500;
/** A confirmation waits for the symbol's next hand-out when that comes this soon; otherwise it is sent at once. */
const PIGGYBACK_MS = 3_000;
/** After a failed publish, rounds leave delivery to the symbol objects (their backoff, dead letters) this long. */
const STAND_BACK_MS = 60_000;
/** Confirmations sent on their own at a time. */
const CONCURRENT_CONFIRMATIONS = 50;

/**
 * The batch rounds' side of delivering new points' events (src/objects/round-delivery.ts says the protocol): a
 * round's symbol objects lend it their new events, the round publishes them in a few sink requests for all its
 * symbols, and confirms each symbol's event — in that symbol's next hand-out when it is due again soon, else
 * at once. Without this, each of N symbol objects made its own sink request per point: N requests a round,
 * which on one machine queued behind each other until they timed out and were sent again.
 *
 * Kept in the coordinator's memory: a coordinator that restarts forgets what it has not confirmed yet, and those
 * events are delivered by their objects when the lend runs out (a second copy at the broker, as any restart may
 * cause).
 */
export class RoundDelivery {
  /** Per symbol, the seq of its event the sink acknowledged and the object has not been told of yet. */
  private readonly unconfirmed = new Map<string, { seq: number; publishedAt: number }>();
  private standingBackUntil = 0;
  private sinkInstance: Sink | undefined;

  /** What to tell a symbol object as its quote is handed over: the last confirmation, and whether to lend. */
  handOut(symbol: string, now: number): RoundHandOut {
    const confirmed = this.unconfirmed.get(symbol);
    this.unconfirmed.delete(symbol);
    return { lend: now >= this.standingBackUntil, ...(confirmed ? { confirmedThrough: confirmed.seq } : {}) };
  }

  /**
   * Publish the round's lent events; those the sink acknowledged are confirmed later (settle), the others go
   * back to their objects at once, which deliver them with their own retries (and show as behind in /health).
   */
  async publish(env: Env, config: Config, provider: ProviderName, lent: readonly { symbol: string; lent: LentEvent }[], now: number): Promise<void> {
    let published = 0;
    while (published < lent.length) {
      const batch = lent.slice(published, published + ROUND_PUBLISH_BATCH);
      const acknowledged = await this.publishBatch(config, provider, batch);
      for (const { symbol, lent: event } of batch.slice(0, acknowledged)) this.unconfirmed.set(symbol, { seq: event.seq, publishedAt: now });
      published += acknowledged;
      if (acknowledged < batch.length) break;
    }
    await forEachBounded(lent.slice(published), CONCURRENT_CONFIRMATIONS, async ({ symbol, lent: event }) => {
      try {
        await symbolClient(env, { provider, symbol }).returnLent(event.seq);
      } catch (error) {
        console.warn(`returning ${provider}:${symbol}'s unpublished event failed; it is delivered when the lend runs out: ${String(error)}`);
      }
    });
  }

  /**
   * Confirm now what would wait too long for a hand-out: symbols not due again within PIGGYBACK_MS, and those
   * left from an earlier round (they were not handed a quote this round).
   */
  async confirmWaiting(env: Env, provider: ProviderName, nextDueAt: (symbol: string) => number | undefined, roundStartedAt: number, now: number): Promise<void> {
    const confirmNow = [...this.unconfirmed].filter(([symbol, { publishedAt }]) => {
      const due = nextDueAt(symbol);
      return publishedAt < roundStartedAt || due === undefined || due > now + PIGGYBACK_MS;
    });
    for (const [symbol] of confirmNow) this.unconfirmed.delete(symbol);
    await forEachBounded(confirmNow, CONCURRENT_CONFIRMATIONS, async ([symbol, { seq }]) => {
      try {
        await symbolClient(env, { provider, symbol }).confirmDelivered(seq);
      } catch (error) {
        // The object delivers the event itself when its lend runs out.
        console.warn(`confirming ${provider}:${symbol}'s delivered event failed: ${String(error)}`);
      }
    });
  }

  /** Confirm everything still waiting (no round is coming for these symbols). */
  async confirmAll(env: Env, provider: ProviderName): Promise<void> {
    await this.confirmWaiting(env, provider, () => undefined, Infinity, Date.now());
  }

  /** How many leading events of the batch the sink acknowledged. */
  private async publishBatch(config: Config, provider: ProviderName, batch: readonly { symbol: string; lent: LentEvent }[]): Promise<number> {
    try {
      this.sinkInstance ??= createSink(config, { timeoutMs: config.EVENT_SINK_TIMEOUT_MS });
      await this.sinkInstance.publish(batch.map(({ lent }) => lent.event));
      return batch.length;
    } catch (error) {
      this.standingBackUntil = Date.now() + STAND_BACK_MS;
      console.warn(`publishing a ${provider} round's ${batch.length} events failed; their symbols deliver them: ${String(error)}`);
      return error instanceof SinkError ? Math.min(error.acknowledged, batch.length) : 0;
    }
  }
}
