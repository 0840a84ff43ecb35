import { SinkError, type Sink } from "../events/sink";
import type { SymbolTarget } from "../providers/provider";
import { PriceEventSchema, type PriceEvent } from "../schemas/price-event";
import type { Database } from "../store/db";
import { clearBacklog, markBacklog, storeDeadLetter } from "../store/outbox";
import { backoffDelay } from "../timers/backoff";
import { tryParseJson } from "../wire/json";
import { Lend } from "./lend";
import type { LoggedPoint, PointLog } from "./point-log";

/** Events handed to the sink in one publish call (one request for the Kafka REST sinks). */
export const DELIVERY_BATCH = 100;
/** New events wait this long for company, so a busy symbol delivers them in batches rather than one by one. */
const DELIVERY_COALESCE_MS = 50;
const DELIVERY_BACKOFF_BASE_MS = 1_000;
const DELIVERY_BACKOFF_CAP_MS = 60_000;
/** Delivery time one alarm may spend; a longer backlog continues on the next alarm, after any due poll. */
export const DELIVERY_BUDGET_MS = 5_000;
/** Times the broker may refuse the same record before it is set aside as a dead letter. */
const REFUSALS_BEFORE_DEAD_LETTER = 3;

const KEY_DELIVERY = "delivery";

interface DeliveryState {
  /** Consecutive failed deliveries, for backoff. */
  failures: number;
  /** The event the broker refused last, and how many times in a row. */
  refused?: { eventId: string; times: number };
  /** Whether this symbol is listed in D1's event_backlogs (for the sweep). */
  backlogged: boolean;
}

/** The sink, the D1 side of delivery (dead letters, backlog marks) and what the object calls this symbol. */
export interface DeliveryDeps {
  log: PointLog;
  kv: SyncKvStorage;
  db: Database;
  sink: () => Sink;
  /** Counts each D1 statement this helper sends, for the write-cost figures. */
  countQuery: () => void;
}

/**
 * Delivery of one symbol's events from its point log to the sink, oldest first, in batches, on the object's
 * alarm. The log's delivery cursor moves only past events the sink acknowledged, right when it did (local,
 * synchronous storage: no round trip in which a cancelled alarm could leave delivered events looking pending —
 * what made deliveries repeat under load when the cursor was a D1 delete after the publish). After every
 * delivery the log itself says whether more is waiting, so an event committed during a publish is never
 * stranded. A failed batch is retried with backoff; an event that fails its own schema, or that the broker
 * refuses as a record several times in a row, becomes a dead letter (D1 dead_letter_events) instead of blocking
 * the symbol.
 */
export class EventDelivery {
  private state: DeliveryState;
  /** Epoch ms of the next attempt; null when nothing is pending. In memory: a woken object recomputes it. */
  private nextAt: number | null;
  private running: Promise<void> | undefined;
  /** The event lent to a batch round; nothing of this object's own is delivered meanwhile. */
  private readonly lent = new Lend();

  constructor(private readonly deps: DeliveryDeps) {
    this.state = deps.kv.get<DeliveryState>(KEY_DELIVERY) ?? { failures: 0, backlogged: false };
    this.nextAt = deps.log.undelivered > 0 ? Date.now() + (this.state.failures > 0 ? DELIVERY_BACKOFF_BASE_MS : 0) : null;
  }

  /** When the alarm should run delivery; null when every event is delivered. */
  get dueAt(): number | null {
    return this.nextAt;
  }

  /** New events were committed: deliver them soon, unless the sink is failing (then they wait for the retry) or a lend runs. */
  eventsCommitted(now: number): void {
    if (this.lent.isOut) return;
    if (this.state.failures > 0 && this.nextAt !== null) return;
    const at = now + DELIVERY_COALESCE_MS;
    if (this.nextAt === null || this.nextAt > at) this.nextAt = at;
  }

  /** Make sure pending events have a delivery time (the sweep and the object's wake-up call this). */
  resume(now: number): void {
    if (this.deps.log.undelivered > 0) this.nextAt ??= now;
  }

  /**
   * The seq of the event just committed, lent to the batch round that handed its quote over, when it is the only one
   * waiting and this object is neither delivering nor retrying: the round publishes it with its other symbols'.
   * Until the round confirms it (or the lend runs out) this object delivers nothing itself, so the symbol's
   * events still reach the sink in order.
   */
  lend(now: number): number | undefined {
    if (this.lent.isOut || this.running || this.state.failures > 0 || this.deps.log.undelivered !== 1) return undefined;
    this.nextAt = this.lent.lend(this.deps.log.newestSeq, now);
    return this.deps.log.newestSeq;
  }

  /** The round says the sink acknowledged this object's events through `throughSeq`: what it lent is delivered. */
  confirm(throughSeq: number, now: number): void {
    if (throughSeq > this.deps.log.newestSeq) return;
    this.deps.log.markDelivered(throughSeq);
    this.lent.doneThrough(throughSeq);
    if (this.lent.isOut) return;
    this.nextAt = this.deps.log.undelivered > 0 ? now + DELIVERY_COALESCE_MS : null;
  }

  /** The round could not publish the event it was lent: deliver it here now (with this object's retries and backlog). */
  takeBack(seq: number, now: number): void {
    if (this.lent.giveBack(seq)) this.nextAt = now;
  }

  /** Deliver what is due, within the time budget. One delivery at a time, however it is called. */
  async deliverDue(target: SymbolTarget, now = Date.now()): Promise<void> {
    if (this.nextAt === null || this.nextAt > now) return;
    // A lend that ran out without a confirmation: the event may or may not have reached the sink; deliver it here.
    this.lent.reclaim();
    this.running ??= this.deliver(target).finally(() => {
      this.running = undefined;
    });
    await this.running;
  }

  private async deliver(target: SymbolTarget): Promise<void> {
    const started = Date.now();
    for (;;) {
      const batch = this.deps.log.eventsToDeliver(this.state.refused ? 1 : DELIVERY_BATCH);
      if (batch.length === 0) break;
      if (!(await this.deliverBatch(target, batch))) return;
      if (Date.now() - started >= DELIVERY_BUDGET_MS) break;
    }
    // Asked of the log after the publish, so events committed meanwhile are seen.
    this.nextAt = this.deps.log.undelivered > 0 ? Date.now() : null;
    if (this.nextAt === null && this.state.backlogged) {
      await clearBacklog(this.deps.db, target);
      this.deps.countQuery();
      this.save({ ...this.state, backlogged: false });
    }
  }

  /** One publish of the valid prefix of `batch`; false when it failed (and the next attempt is scheduled). */
  private async deliverBatch(target: SymbolTarget, batch: readonly LoggedPoint[]): Promise<boolean> {
    const { events, rows, poison } = validPrefix(batch);
    if (events.length === 0 && poison) {
      await this.deadLetter(target, poison.row, poison.reason, 0);
      return true;
    }
    try {
      await this.deps.sink().publish(events);
    } catch (error) {
      await this.failed(target, rows, events, error);
      return false;
    }
    this.deps.log.markDelivered(rows[rows.length - 1]!.seq);
    if (this.state.failures > 0 || this.state.refused) this.save({ ...this.state, failures: 0, refused: undefined });
    return true;
  }

  private async failed(target: SymbolTarget, rows: readonly LoggedPoint[], events: readonly PriceEvent[], error: unknown): Promise<void> {
    const acknowledged = error instanceof SinkError ? Math.min(error.acknowledged, rows.length) : 0;
    if (acknowledged > 0) this.deps.log.markDelivered(rows[acknowledged - 1]!.seq);
    const culprit = events[acknowledged];
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof SinkError && error.rejected && culprit) {
      const times = this.state.refused?.eventId === culprit.event_id ? this.state.refused.times + 1 : 1;
      // Refused alone (batches shrink to one event after a refusal) often enough: set it aside and go on.
      if (times >= REFUSALS_BEFORE_DEAD_LETTER && rows.length - acknowledged === 1) {
        await this.deadLetter(target, rows[acknowledged]!, reason, times);
        this.nextAt = Date.now();
        return;
      }
      this.state = { ...this.state, refused: { eventId: culprit.event_id, times } };
    }
    const failures = this.state.failures + 1;
    const retryAfterMs = error instanceof SinkError ? (error.retryAfterMs ?? 0) : 0;
    const delay = Math.max(retryAfterMs, backoffDelay(failures, DELIVERY_BACKOFF_BASE_MS, DELIVERY_BACKOFF_CAP_MS));
    console.warn(`event delivery for ${target.provider}:${target.symbol} failed (attempt ${failures}); retrying in ${delay} ms: ${reason}`);
    this.nextAt = Date.now() + delay;
    if (!this.state.backlogged) {
      await markBacklog(this.deps.db, target, this.deps.log.oldestUndeliveredAt() ?? Date.now());
      this.deps.countQuery();
    }
    this.save({ ...this.state, failures, backlogged: true });
  }

  private async deadLetter(target: SymbolTarget, row: LoggedPoint, reason: string, attempts: number): Promise<void> {
    const eventId = eventIdOf(row.event) ?? `seq-${row.seq}`;
    await storeDeadLetter(this.deps.db, { eventId, ...target, payload: row.event, reason: reason.slice(0, 500), attempts, deadAt: Date.now() });
    this.deps.countQuery();
    console.error(`event ${eventId} of ${target.provider}:${target.symbol} is a dead letter: ${reason}`);
    this.deps.log.markDelivered(row.seq);
    this.save({ ...this.state, refused: undefined });
  }

  private save(state: DeliveryState): void {
    this.state = state;
    this.deps.kv.put(KEY_DELIVERY, state);
    this.deps.log.kvWrites++;
  }
}

interface Prefix {
  events: PriceEvent[];
  rows: LoggedPoint[];
  /** The first row that is not a valid event, which ends the prefix. */
  poison?: { row: LoggedPoint; reason: string };
}

/** The leading rows that are valid price events; an invalid one ends the batch (it can never be delivered). */
function validPrefix(batch: readonly LoggedPoint[]): Prefix {
  const prefix: Prefix = { events: [], rows: [] };
  for (const row of batch) {
    const parsed = PriceEventSchema.safeParse(tryParseJson(row.event));
    if (!parsed.success) {
      prefix.poison = { row, reason: `not a valid price.updated event: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}` };
      break;
    }
    prefix.events.push(parsed.data);
    prefix.rows.push(row);
  }
  return prefix;
}

function eventIdOf(json: string): string | undefined {
  const value = tryParseJson(json);
  return typeof value === "object" && value !== null && "event_id" in value && typeof value.event_id === "string" ? value.event_id : undefined;
}
