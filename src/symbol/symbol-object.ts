/**
 * src/symbol/ owns one (provider, symbol) pair: its SymbolObject (here), the single writer of its points and
 * events, and the object's parts: the point log (point-log.ts), the flush to D1 (history-flush.ts), event
 * delivery (delivery.ts), the poll loop (poll-loop.ts), recent prices (recent-points.ts), and the cron's sweep of
 * undelivered events (sweep.ts). client.ts is how routes ask for a symbol's quote, with failover.
 */
import { DurableObject } from "cloudflare:workers";
import { computeAverage, type AverageKind, type MovingAverage } from "../averages/moving-average";
import { MAX_WINDOW } from "../averages/price-window";
import { askProvider, onlyQuote, remoteAccount } from "../coordinator/polling";
import { readConfig, type Config, type Env } from "../env";
import { ApiError } from "../errors";
import { priceUpdated } from "../events/price-events";
import type { Sink } from "../events/sink";
import { createSink } from "../events/sinks";
import type { Subscription } from "../jobs/subscriptions";
import { failed, succeeded, type Outcome } from "../objects/outcome";
import type { IngestedQuote, LentPoint, LentSeqs, RoundHandOut } from "../objects/round-delivery";
import type { LatestQuote, Quote, SymbolTarget } from "../providers/provider";
import { PriceEventSchema, type PriceEvent } from "../schemas/price-event";
import { storeMovingAverage } from "../store/averages";
import { database, type Database } from "../store/db";
import { clearBacklog, deleteLegacyOutbox, readLegacyOutbox, storeDeadLetter } from "../store/outbox";
import { identifyRaw, pricePointRow, rawResponseRow, readRecentPoints, type PricePointRow, type RawResponseRow } from "../store/prices";
import { SymbolStreams } from "../stream/symbol-streams";
import { armEarliest } from "../timers/alarm";
import { EventDelivery } from "./delivery";
import { HistoryFlush } from "./history-flush";
import { OUTBOX_CAPACITY, PointLog, type LoggedPoint } from "./point-log";
import { PollLoop } from "./poll-loop";
import { RecentPoints } from "./recent-points";

export { OUTBOX_CAPACITY };

const KEY_TARGET = "target";
/** The latest quote as earlier versions kept it; read when the point log has nothing yet. */
const KEY_LATEST = "latest";
/** Set once this object has taken over its rows of the D1 outbox that earlier versions wrote. */
const KEY_LEGACY_OUTBOX_ADOPTED = "legacy-outbox-adopted";

/** A raw response by id, as far as the points that came from it need to know. */
export interface RawRef {
  id: string;
  /** When the provider's answer arrived, epoch ms. */
  fetchedAt: number;
}

/** What this object wrote since it woke, for the write-cost figures (`npm run bench`). */
export interface WriteStats {
  points: number;
  d1Queries: number;
  d1RowsWritten: number;
  storageRowsWritten: number;
  storageWrites: number;
}

/**
 * The single writer of one (provider, symbol): every poll, point, event and in-memory state of that pair goes
 * through here, so dedupe and event order are race-free.
 *
 * A new point is committed to the object's own SQLite storage first (point-log.ts: the point, its event and,
 * when the object fetched it, its raw answer, in one synchronous transaction), then announced to live streams;
 * D1 receives the points in batches (history-flush.ts) and the sink the events in batches (delivery.ts), both
 * from that log, so neither a D1 round trip nor the sink stands between a quote and its live clients. The
 * object's memory holds the latest quote and the newest points (recent-points.ts: dedupe and moving averages).
 * One alarm dispatches every timer: the polling loop (poll-loop.ts) first, then the D1 flush, then delivery.
 */
export class SymbolObject extends DurableObject<Env> {
  private readonly config: Config;
  private readonly db: Database;
  private target: SymbolTarget | undefined;
  private latestQuote: LatestQuote | undefined;
  private readonly log: PointLog;
  private readonly delivery: EventDelivery;
  private readonly flush: HistoryFlush;
  private readonly loop: PollLoop;
  /** Live price streams of this symbol (src/stream/): hibernatable sockets, recent events for resuming. */
  private readonly streams: SymbolStreams;
  private sinkInstance: Sink | undefined;
  /** A poll under way; concurrent requests share it rather than asking the provider twice. */
  private inflight: Promise<Outcome<LatestQuote>> | undefined;
  /** The newest points, loaded once per wake (D1 + the log), then kept up to date by every new point. */
  private recent: RecentPoints | undefined;
  private loadingRecent: Promise<RecentPoints> | undefined;
  /** Averages already stored, so repeated reads of an unchanged average write nothing. */
  private readonly storedAverageKeys = new Set<string>();
  private readonly stats = { points: 0, d1Queries: 0 };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = readConfig(env);
    this.db = database(env.DB);
    this.target = ctx.storage.kv.get<SymbolTarget>(KEY_TARGET);
    this.log = new PointLog(ctx.storage.sql, ctx.storage.kv);
    this.streams = new SymbolStreams(ctx, this.log);
    const countQuery = () => {
      this.stats.d1Queries++;
    };
    this.delivery = new EventDelivery({ log: this.log, kv: ctx.storage.kv, db: this.db, sink: () => this.sink(), countQuery });
    this.flush = new HistoryFlush(this.log, this.db, this.config.HISTORY_FLUSH_SECONDS * 1000, (point, reason) => this.pointRefused(point, reason));
    this.loop = new PollLoop({ env, db: this.db, kv: ctx.storage.kv, poll: () => this.poll(this.requireTarget(), false), countQuery });
    this.latestQuote = this.latestLogged() ?? ctx.storage.kv.get<LatestQuote>(KEY_LATEST);
    // Self-healing: whatever is waiting in the log (events, points for D1) has an alarm once the object wakes.
    void ctx.blockConcurrencyWhile(() => this.armAlarm());
  }

  /** The latest stored quote when younger than maxAgeSeconds, else a fresh one from the provider. */
  async latest(target: SymbolTarget, maxAgeSeconds: number): Promise<Outcome<LatestQuote>> {
    this.adopt(target);
    const latest = this.latestQuote;
    if (latest && Date.now() - latest.checkedAt <= maxAgeSeconds * 1000) return succeeded(latest);
    return this.poll(target);
  }

  /** The stored latest quote whatever its age; never asks the provider (for clients without a key). */
  async stored(target: SymbolTarget): Promise<LatestQuote | undefined> {
    this.adopt(target);
    return this.latestQuote;
  }

  /**
   * Ask the provider now; store and publish the quote if it is new. A client's poll (`waitForHistory`) answers
   * once the point is in D1 too, so what it was just told is in /prices/history when it looks; a job's poll
   * leaves that to the next flush.
   */
  async poll(target: SymbolTarget, waitForHistory = true): Promise<Outcome<LatestQuote>> {
    this.adopt(target);
    this.inflight ??= this.fetchAndRecord().finally(() => {
      this.inflight = undefined;
    });
    const outcome = await this.inflight;
    if (!outcome.ok || !waitForHistory) return outcome;
    try {
      await this.flushForClient();
    } catch (error) {
      return failed(error);
    }
    return outcome;
  }

  /**
   * A quote fetched by a batch round (or a snapshot), whose raw answer the caller stores: it says whether the
   * quote was a new point, since the raw answer is kept only when one of its quotes was. A batch round
   * (`handOut`) also says what it did with what this object lent it last, and may be lent the new point's event
   * and row, to publish and write with its other symbols' (src/objects/round-delivery.ts).
   */
  async ingest(target: SymbolTarget, quote: Quote, raw: RawRef, handOut?: RoundHandOut): Promise<Outcome<IngestedQuote>> {
    this.adopt(target);
    // The confirmation's cursors are stored by the new point's log row (or on their own if no row comes).
    this.log.holdCursorWrites();
    try {
      if (handOut?.confirmed) this.roundDid(handOut.confirmed);
      return succeeded(await this.commit(quote, raw, null, handOut?.lend));
    } catch (error) {
      return failed(error);
    } finally {
      this.log.releaseCursorWrites();
    }
  }

  /** A batch round's word that the sink acknowledged and D1 stored what this object lent it, through these seqs. */
  async confirmLent(target: SymbolTarget, done: LentSeqs): Promise<void> {
    this.adopt(target);
    this.roundDid(done);
    await this.armAlarm();
  }

  /** The batch round could not do what this object lent it: done from here, at once. */
  async returnLent(target: SymbolTarget, back: LentSeqs): Promise<void> {
    this.adopt(target);
    const now = Date.now();
    if (back.event !== undefined) this.delivery.takeBack(back.event, now);
    if (back.point !== undefined) this.flush.takeBack(back.point, now);
    await this.armAlarm();
  }

  /**
   * A moving average of the newest `window` stored points, from memory; stored once per new value unless `record`
   * is false (a client without a key writes nothing). Points still waiting for the flush go to D1 first, so the
   * points an average names are in /prices/history.
   */
  async movingAverage(target: SymbolTarget, kind: AverageKind, window: number, record = true): Promise<Outcome<MovingAverage>> {
    this.adopt(target);
    try {
      const prices = (await this.recentPoints()).priceWindow();
      if (record && this.log.unflushed > 0) await this.flushForClient();
      const value = computeAverage(prices, kind, window);
      const newest = prices.newest();
      if (value === undefined || !newest) {
        throw new ApiError("insufficient_data", `${window} points are needed and ${prices.size} are stored for ${target.symbol} from ${target.provider}`, {
          provider: target.provider,
        });
      }
      const average: MovingAverage = { ...target, kind, window, value, asOf: newest.timestamp, points: window };
      if (record) this.storeAverageOnce(average);
      return succeeded(average);
    } catch (error) {
      return failed(error);
    }
  }

  /** A job needs this symbol polled every `subscription.interval` seconds (idempotent). */
  async subscribe(target: SymbolTarget, jobId: string, subscription: Subscription): Promise<void> {
    this.adopt(target);
    this.loop.subscribe(jobId, subscription);
    await this.armAlarm();
  }

  async unsubscribe(target: SymbolTarget, jobId: string): Promise<void> {
    this.adopt(target);
    this.loop.unsubscribe(jobId);
    await this.armAlarm();
  }

  /**
   * The sweep (cron) found this symbol behind on delivery, or with events in the D1 outbox of an earlier
   * version: take those over, make sure pending work has an alarm, and say how many events are waiting.
   */
  async resumeDelivery(target: SymbolTarget): Promise<number> {
    this.adopt(target);
    await this.recentPoints();
    this.delivery.resume(Date.now());
    if (this.log.undelivered === 0) {
      await clearBacklog(this.db, target);
      this.stats.d1Queries++;
    }
    await this.armAlarm();
    return this.log.undelivered;
  }

  async writeStats(): Promise<WriteStats> {
    return {
      points: this.stats.points,
      d1Queries: this.stats.d1Queries + this.flush.stats.d1Queries,
      d1RowsWritten: this.flush.stats.d1RowsWritten,
      storageRowsWritten: this.log.rowsWritten,
      storageWrites: this.log.kvWrites,
    };
  }

  /** A live price stream connecting (src/stream/protocol.ts); the only HTTP this object answers. */
  override async fetch(request: Request): Promise<Response> {
    return this.streams.connect(request);
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.streams.message(socket, message);
  }

  override async webSocketClose(socket: WebSocket): Promise<void> {
    this.streams.closed(socket);
  }

  /**
   * The one dispatcher of the object's timers: a due poll first (a delivery backlog never starves polling),
   * then the D1 flush, then delivery within its time budget. It never throws: a throwing alarm is retried a few
   * times and then dropped, and every step re-arms from the log's own state anyway.
   */
  override async alarm(): Promise<void> {
    const target = this.target;
    if (target) {
      await this.step("polling", () => this.loop.pollIfDue(target));
      await this.step("writing points to D1", () => this.flush.flushDue());
      await this.step("event delivery", () => this.delivery.deliverDue(target));
    }
    await this.armAlarm();
  }

  private async step(what: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      console.error(`${what} for ${this.target?.provider}:${this.target?.symbol} failed`, error);
    }
  }

  private adopt(target: SymbolTarget): void {
    if (this.target) return;
    this.target = target;
    this.ctx.storage.kv.put(KEY_TARGET, target);
  }

  private requireTarget(): SymbolTarget {
    if (!this.target) throw new ApiError("internal_error", "symbol object used before it was addressed");
    return this.target;
  }

  private sink(): Sink {
    this.sinkInstance ??= createSink(this.config, { timeoutMs: this.config.EVENT_SINK_TIMEOUT_MS });
    return this.sinkInstance;
  }

  private async fetchAndRecord(): Promise<Outcome<LatestQuote>> {
    const target = this.requireTarget();
    try {
      await this.recentPoints();
      this.requireRoom();
      const batch = await askProvider(this.db, remoteAccount(this.env, target.provider), target.provider, [target.symbol], this.config);
      const quote = onlyQuote(batch, target);
      const raw = identifyRaw(batch.raw!, [target.symbol]);
      return succeeded((await this.commit(quote, raw, rawResponseRow(raw))).latest);
    } catch (error) {
      return failed(error);
    }
  }

  /**
   * Record a quote: validated, deduped on its quote time, then committed to the log with its event (and its raw
   * answer, which is stored only with a new point) in one synchronous step, and announced. Everything after the
   * first load of the recent points is synchronous, so concurrent quotes commit in arrival order.
   */
  private async commit(quote: Quote, raw: RawRef, rawRow: RawResponseRow | null, lend?: RoundHandOut["lend"]): Promise<IngestedQuote> {
    const recent = await this.recentPoints();
    const now = Date.now();
    const event = priceUpdated(quote, raw.id, now);
    const valid = PriceEventSchema.safeParse(event);
    if (!valid.success) {
      throw new ApiError("provider_error", `${quote.provider} sent a quote for ${quote.symbol} that cannot be stored: ${valid.error.issues[0]?.message ?? "invalid"}`, {
        provider: quote.provider,
      });
    }
    if (recent.isKnown(quote.timestamp)) return { latest: this.confirmLatest(quote, raw), newPoint: false };
    this.requireRoom();
    const point = pricePointRow(quote, raw.id, event.event_id, now);
    const eventJson = JSON.stringify(event);
    this.log.append({ timestamp: quote.timestamp, event: eventJson, point, raw: rawRow, loggedAt: now });
    this.stats.points++;
    recent.add({ price: quote.price, timestamp: quote.timestamp });
    // A provider may answer with an older quote than one we hold (a lagging replica): stored, but the latest stays the newest.
    if (!this.latestQuote || quote.timestamp >= this.latestQuote.timestamp) this.latestQuote = { ...quote, rawResponseId: raw.id, checkedAt: raw.fetchedAt };
    else this.confirmLatest(quote, raw);
    this.streams.publish(eventJson);
    const lent = this.lendToRound(lend, event, point, now);
    await this.armAlarm();
    return { latest: this.latestQuote, newPoint: true, ...(lent ? { lent } : {}) };
  }

  /** What of the point just committed goes out with the batch round (when it asked); the rest on this object's timers. */
  private lendToRound(lend: RoundHandOut["lend"] | undefined, event: PriceEvent, point: PricePointRow, now: number): LentPoint | undefined {
    const eventSeq = lend?.events ? this.delivery.lend(now) : undefined;
    const pointSeq = lend?.points ? this.flush.lend(now) : undefined;
    if (eventSeq === undefined) this.delivery.eventsCommitted(now);
    if (pointSeq === undefined) this.flush.pointsCommitted(now);
    if (eventSeq === undefined && pointSeq === undefined) return undefined;
    return { seq: this.log.newestSeq, ...(eventSeq === undefined ? {} : { event }), ...(pointSeq === undefined ? {} : { point }) };
  }

  private roundDid(done: LentSeqs): void {
    const now = Date.now();
    if (done.event !== undefined) this.delivery.confirm(done.event, now);
    if (done.point !== undefined) this.flush.confirm(done.point, now);
  }

  /**
   * The provider answered without a newer point: the latest stored quote is confirmed fresh, and stays what it
   * is — a corrected price at an unchanged quote time is neither stored nor served. (An object that knows no
   * latest yet, its points having been stored by an earlier version, takes the quote's.)
   */
  private confirmLatest(quote: Quote, raw: RawRef): LatestQuote {
    const latest = this.latestQuote ?? { ...quote, rawResponseId: raw.id, checkedAt: raw.fetchedAt };
    this.latestQuote = { ...latest, checkedAt: Math.max(latest.checkedAt, raw.fetchedAt) };
    return this.latestQuote;
  }

  private requireRoom(): void {
    if (this.log.hasRoom()) return;
    throw new ApiError(
      "service_unavailable",
      `${OUTBOX_CAPACITY} price events are waiting for the event sink; new prices are taken again once it accepts them`,
      { retry_after: 60 },
    );
  }

  /**
   * A client waits for its point to reach D1. If D1 fails, the answer is 503 (retry shortly): the point is safe in
   * the log, announced, and goes to D1 with a later flush; the retry finds it and answers it.
   */
  private async flushForClient(): Promise<void> {
    try {
      await this.flush.flushNow();
    } catch (error) {
      console.error("writing a client's point to D1 failed; it goes with a later flush", error);
      throw new ApiError("service_unavailable", "the price could not be written to the history just now; retry shortly", { retry_after: 5 });
    } finally {
      await this.armAlarm();
    }
  }

  /** D1 refuses this point for good: it stays announced, and is kept (with the reason) among the dead letters. */
  private async pointRefused(point: LoggedPoint, reason: string): Promise<void> {
    const target = this.requireTarget();
    await storeDeadLetter(this.db, { eventId: point.point?.eventId ?? `seq-${point.seq}`, ...target, payload: JSON.stringify(point.point), reason: reason.slice(0, 500), attempts: 0, deadAt: Date.now() });
    this.stats.d1Queries++;
  }

  private recentPoints(): Promise<RecentPoints> {
    if (this.recent) return Promise.resolve(this.recent);
    this.loadingRecent ??= this.loadRecentPoints()
      .catch((error: unknown) => {
        // D1 failing is the service being unable to take the price now, never a client's fault.
        console.error("loading the newest points failed", error);
        throw new ApiError("service_unavailable", "the price could not be stored just now; retry shortly", { retry_after: 5 });
      })
      .finally(() => {
        this.loadingRecent = undefined;
      });
    return this.loadingRecent;
  }

  /** One D1 round trip: the newest stored points and, the first time, the events an earlier version left in D1's outbox. */
  private async loadRecentPoints(): Promise<RecentPoints> {
    const target = this.requireTarget();
    const recentQuery = readRecentPoints(this.db, target.symbol, target.provider, MAX_WINDOW);
    let stored;
    if (this.ctx.storage.kv.get<boolean>(KEY_LEGACY_OUTBOX_ADOPTED)) {
      stored = await recentQuery;
      this.stats.d1Queries++;
    } else {
      const [points, legacy] = await this.db.batch([recentQuery, readLegacyOutbox(this.db, target, OUTBOX_CAPACITY)]);
      this.stats.d1Queries += 2;
      stored = points;
      await this.adoptLegacyOutbox(target, legacy);
    }
    const logged = this.log.newestPoints(MAX_WINDOW).flatMap((row) => (row.point ? [{ price: row.point.price, timestamp: row.timestamp }] : []));
    this.recent = new RecentPoints([...stored, ...logged]);
    return this.recent;
  }

  /** Events an earlier version left in D1's outbox go first into this object's log, in their order, once. */
  private async adoptLegacyOutbox(target: SymbolTarget, legacy: readonly { id: number; payload: string; createdAt: number }[]): Promise<void> {
    for (const row of legacy) {
      this.log.append({ timestamp: 0, event: row.payload, point: null, raw: null, loggedAt: row.createdAt });
    }
    const last = legacy[legacy.length - 1];
    if (last) {
      await deleteLegacyOutbox(this.db, target, last.id);
      this.stats.d1Queries++;
      this.delivery.eventsCommitted(Date.now());
    }
    this.ctx.storage.kv.put(KEY_LEGACY_OUTBOX_ADOPTED, true);
  }

  /** The newest point of the log, as the latest quote, when the log holds any. */
  private latestLogged(): LatestQuote | undefined {
    const [newest] = this.log.newestPoints(1);
    return newest?.point ? latestOf(newest.point, newest.loggedAt) : undefined;
  }

  private storeAverageOnce(average: MovingAverage): void {
    const key = `${average.kind}:${average.window}:${average.asOf}`;
    if (this.storedAverageKeys.has(key)) return;
    if (this.storedAverageKeys.size >= 1000) this.storedAverageKeys.clear();
    this.storedAverageKeys.add(key);
    // Not awaited: the answer does not wait for the history of answers to be written.
    this.ctx.waitUntil(
      storeMovingAverage(this.db, average).catch((error: unknown) => {
        this.storedAverageKeys.delete(key);
        console.error("storing a moving average failed", error);
      }),
    );
  }

  private async armAlarm(): Promise<void> {
    await armEarliest(this.ctx.storage, [this.loop.dueAt, this.flush.dueAt, this.delivery.dueAt]);
  }
}

/** A logged point as the latest quote: every field of the quote the point carries, plus when it was confirmed. */
function latestOf(point: PricePointRow, checkedAt: number): LatestQuote {
  const { eventId: _eventId, createdAt: _createdAt, ...quote } = point;
  // The object's own log, written from a Quote by pricePointRow: its provider is a provider name.
  return { ...quote, checkedAt } as LatestQuote;
}
