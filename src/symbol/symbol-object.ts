import { DurableObject } from "cloudflare:workers";
import { computeAverage, type AverageKind, type MovingAverage } from "../averages/moving-average";
import { MAX_WINDOW, PriceWindow } from "../averages/price-window";
import { readConfig, type Config, type Env } from "../env";
import { ApiError } from "../errors";
import { countPending, deliverOutbox } from "../events/outbox";
import { SinkError, type Sink } from "../events/sink";
import { createSink } from "../events/sinks";
import { armEarliest } from "../timers/alarm";
import { backoffDelay } from "../timers/backoff";
import { afterOwnPoll, askProvider, onlyQuote, remoteAccount, stoppedJobs } from "../coordinator/polling";
import { jobIds, loopInterval, withoutJob, withoutJobs, type Subscription, type Subscriptions } from "../jobs/subscriptions";
import { quoteDetails, type LatestQuote, type Quote, type SymbolTarget } from "../providers/provider";
import { database, type Database } from "../store/db";
import { storeMovingAverage } from "../store/averages";
import { identifyRaw, readRecentPoints, type StoredRaw } from "../store/prices";
import { SymbolStreams } from "../stream/symbol-streams";
import { failed, succeeded, type Outcome } from "../objects/outcome";
import { recordQuotes, type QuoteToRecord, type RawRef, type RecordedQuote } from "./record";

const KEY_TARGET = "target";
const KEY_LATEST = "latest";
const KEY_DELIVERY = "delivery";
const KEY_LOOP = "loop";

/** New events wait this long for company, so a busy symbol delivers them in batches rather than one by one. */
const DELIVERY_COALESCE_MS = 50;
const DELIVERY_BACKOFF_BASE_MS = 1_000;
const DELIVERY_BACKOFF_CAP_MS = 60_000;
/**
 * Undelivered events one symbol may hold. When the sink has been down long enough to fill it, the object
 * takes no new points (polls answer 503) rather than drop events: nothing stored is ever left unannounced.
 */
export const OUTBOX_CAPACITY = 10_000;

interface DeliveryState {
  /** Consecutive failed deliveries. */
  failures: number;
  /** Epoch ms of the next attempt; null when nothing is pending. */
  nextAt: number | null;
}

/** A quote waiting to be written, and the caller waiting for it. */
interface PendingWrite extends QuoteToRecord {
  resolve: (latest: LatestQuote) => void;
  reject: (error: unknown) => void;
}

/** Points per group-commit write: about 25 D1 statements, well within the per-invocation query limits. */
const MAX_POINTS_PER_WRITE = 100;

interface LoopState {
  subscriptions: Subscriptions;
  /** When the next poll is due; null when no job needs this symbol. */
  dueAt: number | null;
  /** Consecutive rate-limited polls, for backoff. */
  rateLimitedPolls: number;
  verifiedAt: number;
}

/**
 * The single writer of one (provider, symbol): every poll, point, event and in-memory state of that pair
 * goes through here, so dedupe and event order are race-free. One alarm serves its timers: the polling
 * loop (for providers that quote one symbol per request) and outbox delivery.
 */
export class SymbolObject extends DurableObject<Env> {
  private readonly config: Config;
  private readonly db: Database;
  private sinkInstance: Sink | undefined;
  private target: SymbolTarget | undefined;
  private latestQuote: LatestQuote | undefined;
  private delivery: DeliveryState;
  private loop: LoopState;
  /** A poll under way; concurrent requests share it rather than asking the provider twice. */
  private inflight: Promise<Outcome<LatestQuote>> | undefined;
  /** The newest stored prices, loaded from D1 on first use, then kept up to date by every new point. */
  private prices: PriceWindow | undefined;
  /** Bumped by every new point, so a window loaded while one was being written is loaded again. */
  private pointsRecorded = 0;
  /** Averages already stored, so repeated reads of an unchanged average write nothing. */
  private storedAverages = new Set<string>();
  /** Quotes waiting for the next D1 write, and that write while it runs. */
  private readonly writeQueue: PendingWrite[] = [];
  private writing: Promise<void> | undefined;
  /** Events in the outbox not yet acknowledged by the sink; counted from D1 on first use. */
  private pendingEvents: number | undefined;
  /** Live price streams of this symbol (src/stream/): hibernatable sockets, recent events for resuming. */
  private readonly streams = new SymbolStreams(this.ctx);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = readConfig(env);
    this.db = database(env.DB);
    this.target = ctx.storage.kv.get<SymbolTarget>(KEY_TARGET);
    this.latestQuote = ctx.storage.kv.get<LatestQuote>(KEY_LATEST);
    this.delivery = ctx.storage.kv.get<DeliveryState>(KEY_DELIVERY) ?? { failures: 0, nextAt: null };
    this.loop = ctx.storage.kv.get<LoopState>(KEY_LOOP) ?? { subscriptions: {}, dueAt: null, rateLimitedPolls: 0, verifiedAt: Date.now() };
  }

  /** The stored latest quote when younger than maxAgeSeconds, else a fresh one from the provider. */
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

  /** Ask the provider now; store and publish the quote if it is new. */
  async poll(target: SymbolTarget): Promise<Outcome<LatestQuote>> {
    this.adopt(target);
    this.inflight ??= this.fetchAndRecord().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** A quote fetched by a batch round, whose raw response is stored already. */
  async ingest(target: SymbolTarget, quote: Quote, raw: RawRef): Promise<Outcome<LatestQuote>> {
    this.adopt(target);
    try {
      await this.requireOutboxRoom();
      return succeeded(await this.record(quote, raw));
    } catch (error) {
      return failed(error);
    }
  }

  /**
   * A moving average of the newest `window` stored points, from memory; stored once per new value unless
   * `record` is false (a client without a key writes nothing).
   */
  async movingAverage(target: SymbolTarget, kind: AverageKind, window: number, record = true): Promise<Outcome<MovingAverage>> {
    this.adopt(target);
    try {
      const prices = await this.priceWindow();
      const value = computeAverage(prices, kind, window);
      const newest = prices.newest();
      if (value === undefined || !newest) {
        throw new ApiError("insufficient_data", `${window} points are needed and ${prices.size} are stored for ${target.symbol} from ${target.provider}`, {
          provider: target.provider,
        });
      }
      const average: MovingAverage = { ...target, kind, window, value, asOf: newest.timestamp, points: window };
      if (record) this.keep(average);
      return succeeded(average);
    } catch (error) {
      return failed(error);
    }
  }

  /** A job needs this symbol polled every `subscription.interval` seconds (idempotent). */
  async subscribe(target: SymbolTarget, jobId: string, subscription: Subscription): Promise<void> {
    this.adopt(target);
    this.loop.subscriptions[jobId] = subscription;
    this.loop.dueAt ??= Date.now();
    this.saveLoop();
    await this.armAlarm();
  }

  async unsubscribe(target: SymbolTarget, jobId: string): Promise<void> {
    this.adopt(target);
    this.loop.subscriptions = withoutJob(this.loop.subscriptions, jobId);
    if (jobIds(this.loop.subscriptions).length === 0) this.loop.dueAt = null;
    this.saveLoop();
    await this.armAlarm();
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

  override async alarm(): Promise<void> {
    await this.deliverDue();
    await this.pollIfDue();
    await this.armAlarm();
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

  private async fetchAndRecord(): Promise<Outcome<LatestQuote>> {
    const target = this.requireTarget();
    try {
      await this.requireOutboxRoom();
      const batch = await askProvider(this.db, remoteAccount(this.env, target.provider), target.provider, [target.symbol], this.config);
      const quote = onlyQuote(batch, target);
      const raw = identifyRaw(batch.raw!, [target.symbol]);
      return succeeded(await this.record(quote, raw, raw));
    } catch (error) {
      return failed(error);
    }
  }

  /**
   * Record a quote. Quotes that arrive while a write is under way are written together in the next D1
   * batch (group commit): one round trip for many points, in arrival order, still by this single writer.
   */
  private record(quote: Quote, raw: RawRef, rawToStore?: StoredRaw): Promise<LatestQuote> {
    return new Promise((resolve, reject) => {
      this.writeQueue.push({ quote, raw, rawToStore, resolve, reject });
      this.writing ??= this.drainWrites().finally(() => {
        this.writing = undefined;
      });
    });
  }

  private async drainWrites(): Promise<void> {
    while (this.writeQueue.length > 0) {
      const batch = this.writeQueue.splice(0, MAX_POINTS_PER_WRITE);
      let recorded: RecordedQuote[];
      try {
        recorded = await recordQuotes(this.db, batch);
      } catch (error) {
        for (const write of batch) write.reject(error);
        continue;
      }
      let newPoints = 0;
      recorded.forEach((point, index) => {
        this.remember(point, batch[index]!.raw.fetchedAt);
        if (point.event) {
          newPoints++;
          this.streams.publish(point.event);
          this.pointRecorded(point.quote);
        }
        batch[index]!.resolve(this.latestQuote!);
      });
      // Once per write, not per point: the latest survives eviction, and events go out in batches.
      this.ctx.storage.kv.put(KEY_LATEST, this.latestQuote);
      if (newPoints > 0) await this.scheduleDelivery(Date.now() + DELIVERY_COALESCE_MS);
    }
  }

  /** The consumer of each new point: the averages' window and the outbox count follow it. */
  private pointRecorded(quote: Quote): void {
    this.pointsRecorded++;
    if (this.pendingEvents !== undefined) this.pendingEvents++;
    // An out-of-order point belongs inside the window: reload it from D1 on the next read.
    if (this.prices && !this.prices.push({ price: quote.price, timestamp: quote.timestamp })) this.prices = undefined;
  }

  private async priceWindow(): Promise<PriceWindow> {
    const target = this.requireTarget();
    while (!this.prices) {
      const before = this.pointsRecorded;
      const loaded = PriceWindow.fromNewestFirst(await readRecentPoints(this.db, target.symbol, target.provider, MAX_WINDOW));
      if (this.pointsRecorded === before) this.prices = loaded;
    }
    return this.prices;
  }

  private keep(average: MovingAverage): void {
    const key = `${average.kind}:${average.window}:${average.asOf}`;
    if (this.storedAverages.has(key)) return;
    if (this.storedAverages.size >= 1000) this.storedAverages.clear();
    this.storedAverages.add(key);
    // Not awaited: the answer does not wait for the history of answers to be written.
    this.ctx.waitUntil(
      storeMovingAverage(this.db, average).catch((error: unknown) => {
        this.storedAverages.delete(key);
        console.error("storing a moving average failed", error);
      }),
    );
  }

  private async requireOutboxRoom(): Promise<void> {
    this.pendingEvents ??= await countPending(this.db, this.requireTarget());
    if (this.pendingEvents >= OUTBOX_CAPACITY) {
      throw new ApiError(
        "service_unavailable",
        `${OUTBOX_CAPACITY} price events are waiting for the event sink; new prices are taken again once it accepts them`,
        { retry_after: 60 },
      );
    }
  }

  private remember(recorded: RecordedQuote, checkedAt: number): void {
    const { quote } = recorded;
    const previous = this.latestQuote;
    // A provider may answer with an older quote than one we hold (a lagging replica); keep the newest.
    const keepPrevious = previous !== undefined && previous.timestamp > quote.timestamp;
    this.latestQuote = keepPrevious
      ? { ...previous, checkedAt }
      : {
          symbol: quote.symbol,
          provider: quote.provider,
          price: quote.price,
          timestamp: quote.timestamp,
          ...quoteDetails(quote),
          rawResponseId: recorded.rawResponseId,
          checkedAt,
        };
  }

  // --- polling loop -------------------------------------------------------------------------------------

  private async pollIfDue(): Promise<void> {
    const { dueAt } = this.loop;
    if (dueAt === null || dueAt > Date.now() || !this.target) return;
    await this.dropStoppedJobs();
    const interval = loopInterval(this.loop.subscriptions);
    if (interval === null) {
      this.loop.dueAt = null;
      this.saveLoop();
      return;
    }
    const outcome = await this.poll(this.target);
    const polled = { ...this.target, subscriptions: this.loop.subscriptions };
    const timing = { dueAt, rateLimitedInARow: this.loop.rateLimitedPolls };
    const next = await afterOwnPoll(this.env, this.db, polled, outcome.ok ? undefined : outcome.error, timing, interval);
    this.loop.dueAt = next.dueAt;
    this.loop.rateLimitedPolls = next.rateLimitedInARow;
    this.saveLoop();
  }

  private async dropStoppedJobs(): Promise<void> {
    const now = Date.now();
    const stopped = await stoppedJobs(this.db, jobIds(this.loop.subscriptions), this.loop.verifiedAt, now);
    if (!stopped) return;
    this.loop.subscriptions = withoutJobs(this.loop.subscriptions, stopped);
    this.loop.verifiedAt = now;
  }

  private saveLoop(): void {
    this.ctx.storage.kv.put(KEY_LOOP, this.loop);
  }

  // --- event delivery -----------------------------------------------------------------------------------

  private sink(): Sink {
    this.sinkInstance ??= createSink(this.config, { timeoutMs: this.config.EVENT_SINK_TIMEOUT_MS });
    return this.sinkInstance;
  }

  private async scheduleDelivery(at: number): Promise<void> {
    // While backing off from a failing sink, new events wait for the retry rather than hammer the sink.
    if (this.delivery.nextAt !== null && (this.delivery.nextAt <= at || this.delivery.failures > 0)) return;
    this.setDelivery({ ...this.delivery, nextAt: at });
    await this.armAlarm();
  }

  private setDelivery(state: DeliveryState): void {
    this.delivery = state;
    this.ctx.storage.kv.put(KEY_DELIVERY, state);
  }

  private async deliverDue(): Promise<void> {
    if (this.delivery.nextAt === null || this.delivery.nextAt > Date.now() || !this.target) return;
    try {
      const result = await deliverOutbox(this.db, this.sink(), this.target);
      if (this.pendingEvents !== undefined) this.pendingEvents = Math.max(0, this.pendingEvents - result.delivered);
      this.setDelivery({ failures: 0, nextAt: result.more ? Date.now() : null });
    } catch (error) {
      const failures = this.delivery.failures + 1;
      const retryAfterMs = error instanceof SinkError ? (error.retryAfterMs ?? 0) : 0;
      const delay = Math.max(retryAfterMs, backoffDelay(failures, DELIVERY_BACKOFF_BASE_MS, DELIVERY_BACKOFF_CAP_MS));
      console.warn(
        `event delivery for ${this.target.provider}:${this.target.symbol} failed (attempt ${failures}); retrying in ${delay} ms: ${String(error)}`,
      );
      this.setDelivery({ failures, nextAt: Date.now() + delay });
    }
  }

  private async armAlarm(): Promise<void> {
    await armEarliest(this.ctx.storage, [this.delivery.nextAt, this.loop.dueAt]);
  }

}
