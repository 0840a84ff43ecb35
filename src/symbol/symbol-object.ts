import { DurableObject } from "cloudflare:workers";
import { readConfig, type Config, type Env } from "../env";
import { deliverOutbox } from "../events/outbox";
import type { Sink } from "../events/sink";
import { SinkError } from "../events/sink";
import { createSink } from "../events/sinks";
import { fetchQuotes } from "../providers/http";
import type { Quote } from "../providers/provider";
import { getProvider, providerConfig } from "../providers/registry";
import { database, type Database } from "../store/db";
import type { StoredRaw } from "../store/prices";
import { failed, succeeded, type LatestQuote, type Outcome } from "./outcome";
import { identifyRaw, recordQuote, type RecordedQuote } from "./record";
import type { SymbolTarget } from "./target";
import { ApiError } from "../errors";

const KEY_TARGET = "target";
const KEY_LATEST = "latest";
const KEY_DELIVERY = "delivery";

/** Capped exponential backoff with full jitter, in ms. */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

const DELIVERY_BACKOFF_BASE_MS = 1_000;
const DELIVERY_BACKOFF_CAP_MS = 60_000;

interface DeliveryState {
  /** Consecutive failed deliveries. */
  failures: number;
  /** Epoch ms of the next attempt; null when nothing is pending. */
  nextAt: number | null;
}

/**
 * The single writer of one (provider, symbol): every poll, point, event and in-memory average of that pair
 * goes through here, so dedupe and event order are race-free.
 */
export class SymbolObject extends DurableObject<Env> {
  private readonly config: Config;
  private readonly db: Database;
  private sinkInstance: Sink | undefined;
  private target: SymbolTarget | undefined;
  private latestQuote: LatestQuote | undefined;
  private delivery: DeliveryState;
  /** A poll under way; concurrent requests share it rather than asking the provider twice. */
  private inflight: Promise<Outcome<LatestQuote>> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = readConfig(env);
    this.db = database(env.DB);
    this.target = ctx.storage.kv.get<SymbolTarget>(KEY_TARGET);
    this.latestQuote = ctx.storage.kv.get<LatestQuote>(KEY_LATEST);
    this.delivery = ctx.storage.kv.get<DeliveryState>(KEY_DELIVERY) ?? { failures: 0, nextAt: null };
  }

  /** The stored latest quote when younger than maxAgeSeconds, else a fresh one from the provider. */
  async latest(target: SymbolTarget, maxAgeSeconds: number): Promise<Outcome<LatestQuote>> {
    this.adopt(target);
    const latest = this.latestQuote;
    if (latest && Date.now() - latest.checkedAt <= maxAgeSeconds * 1000) return succeeded(latest);
    return this.poll(target);
  }

  /** Ask the provider now; store and publish the quote if it is new. */
  async poll(target: SymbolTarget): Promise<Outcome<LatestQuote>> {
    this.adopt(target);
    this.inflight ??= this.fetchAndRecord().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** A quote fetched by someone else (a batch round) whose raw response is stored already. */
  async ingest(target: SymbolTarget, quote: Quote, raw: StoredRaw): Promise<Outcome<LatestQuote>> {
    this.adopt(target);
    try {
      return succeeded(await this.record(quote, raw, true));
    } catch (error) {
      return failed(error);
    }
  }

  override async alarm(): Promise<void> {
    await this.deliverDue();
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
      const provider = getProvider(target.provider);
      const batch = await fetchQuotes(provider, [target.symbol], providerConfig(this.config, target.provider));
      const failure = batch.failures.get(target.symbol);
      if (failure) throw failure;
      const quote = batch.quotes.get(target.symbol);
      if (!quote || !batch.raw) {
        throw new ApiError("provider_error", `${target.provider} answered without a quote for ${target.symbol}`, {
          provider: target.provider,
        });
      }
      return succeeded(await this.record(quote, identifyRaw(batch.raw, [target.symbol]), false));
    } catch (error) {
      return failed(error);
    }
  }

  private async record(quote: Quote, raw: StoredRaw, rawAlreadyStored: boolean): Promise<LatestQuote> {
    const recorded = await recordQuote(this.db, quote, raw, rawAlreadyStored);
    this.remember(recorded, raw.fetchedAt);
    if (recorded.event) await this.scheduleDelivery(Date.now());
    return this.latestQuote!;
  }

  private remember(recorded: RecordedQuote, checkedAt: number): void {
    const { quote } = recorded;
    const previous = this.latestQuote;
    // A provider may answer with an older quote than one we hold (another replica, a stale cache); keep the newest.
    const keepPrevious = previous !== undefined && previous.timestamp > quote.timestamp;
    this.latestQuote = keepPrevious
      ? { ...previous, checkedAt }
      : {
          symbol: quote.symbol,
          provider: quote.provider,
          price: quote.price,
          timestamp: quote.timestamp,
          rawResponseId: recorded.rawResponseId,
          checkedAt,
        };
    this.ctx.storage.kv.put(KEY_LATEST, this.latestQuote);
  }

  private sink(): Sink {
    this.sinkInstance ??= createSink(this.config);
    return this.sinkInstance;
  }

  private async scheduleDelivery(at: number): Promise<void> {
    if (this.delivery.nextAt !== null && this.delivery.nextAt <= at) return;
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
      this.setDelivery({ failures: 0, nextAt: result.more ? Date.now() : null });
    } catch (error) {
      const failures = this.delivery.failures + 1;
      const retryAfterMs = error instanceof SinkError ? (error.retryAfterMs ?? 0) : 0;
      const delay = Math.max(retryAfterMs, backoffDelay(failures, DELIVERY_BACKOFF_BASE_MS, DELIVERY_BACKOFF_CAP_MS));
      console.warn(`event delivery for ${this.target.provider}:${this.target.symbol} failed (attempt ${failures}); retrying in ${delay} ms: ${String(error)}`);
      this.setDelivery({ failures, nextAt: Date.now() + delay });
    }
  }

  /** One alarm serves every timer of this object: the earliest due wins. */
  private async armAlarm(): Promise<void> {
    const due = [this.delivery.nextAt].filter((at): at is number => at !== null);
    if (due.length === 0) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    const next = Math.min(...due);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > next) await this.ctx.storage.setAlarm(next);
  }
}
