import { DurableObject } from "cloudflare:workers";
import { readConfig, type Config, type Env } from "../env";
import type { WireError } from "../errors";
import type { ProviderName, QuoteBatch } from "../providers/provider";
import { getProvider } from "../providers/registry";
import { database, type Database } from "../store/db";
import { identifyRaw, storeRawResponse, type StoredRaw } from "../store/prices";
import { symbolObject } from "../objects/symbol";
import { asWireError, settled } from "../objects/outcome";
import { armEarliest } from "../timers/alarm";
import { RequestBudget, type BudgetDecision } from "./budget";
import { emptyHealth, healthReport, isAvailable, recordOutcome, type HealthReport, type HealthState, type PollOutcome } from "./health";
import { askProvider, countPolls, failOver, scheduleAfter, stoppedJobs, type PolledSymbol, type ProviderAccount } from "./polling";
import { jobIds, loopInterval, withoutJob, withoutJobs, type Subscription, type Subscriptions } from "../jobs/subscriptions";

const KEY_PROVIDER = "provider";
const KEY_BUDGET = "budget";
const KEY_HEALTH = "health";
const KEY_ROUND = "round";

const CONCURRENT_BATCH_REQUESTS = 4;

interface BatchSymbol {
  subscriptions: Subscriptions;
  dueAt: number;
}

interface RoundState {
  symbols: Record<string, BatchSymbol>;
  /** Consecutive rate-limited rounds, for backoff. */
  rateLimitedRounds: number;
  verifiedAt: number;
}

interface FetchedBatch {
  symbols: string[];
  startedAt: number;
  batch: QuoteBatch;
  raw: StoredRaw;
}

export interface ProviderStatus extends HealthReport {
  requests_last_minute: number;
  requests_last_day: number;
  polled_symbols: number;
}

/**
 * One per provider ("provider:<name>"): the request budget every job and request shares, the provider's
 * health, and, for providers that quote many symbols per request, the polling round. A round asks once per
 * batch for all symbols that are due and hands each quote to its symbol object, which still does every
 * write: batching changes who fetches, never who writes.
 */
export class ProviderObject extends DurableObject<Env> {
  private readonly config: Config;
  private readonly db: Database;
  private provider: ProviderName | undefined;
  private budget: RequestBudget | undefined;
  private health: HealthState;
  private round: RoundState;
  private roundInProgress: Promise<void> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = readConfig(env);
    this.db = database(env.DB);
    this.provider = ctx.storage.kv.get<ProviderName>(KEY_PROVIDER);
    this.health = ctx.storage.kv.get<HealthState>(KEY_HEALTH) ?? emptyHealth();
    this.round = ctx.storage.kv.get<RoundState>(KEY_ROUND) ?? { symbols: {}, rateLimitedRounds: 0, verifiedAt: Date.now() };
  }

  /** Take one request from the shared budget. */
  async acquire(provider: ProviderName): Promise<BudgetDecision> {
    const decision = this.budgetOf(provider).tryAcquire(Date.now());
    this.ctx.storage.kv.put(KEY_BUDGET, this.budgetOf(provider).snapshot());
    return decision;
  }

  async report(provider: ProviderName, outcome: PollOutcome): Promise<void> {
    this.adopt(provider);
    this.health = recordOutcome(this.health, outcome);
    this.ctx.storage.kv.put(KEY_HEALTH, this.health);
  }

  async available(provider: ProviderName): Promise<boolean> {
    this.adopt(provider);
    return isAvailable(this.health, Date.now());
  }

  async status(provider: ProviderName): Promise<ProviderStatus> {
    const now = Date.now();
    const usage = this.budgetOf(provider).usage(now);
    return {
      ...healthReport(this.health, now),
      requests_last_minute: usage.lastMinute,
      requests_last_day: usage.lastDay,
      polled_symbols: Object.keys(this.round.symbols).length,
    };
  }

  /** A job needs these symbols polled in this provider's batch rounds (idempotent; one call per job, so
   *  the first round sees all of its symbols). */
  async subscribe(provider: ProviderName, symbols: readonly string[], jobId: string, subscription: Subscription): Promise<void> {
    this.adopt(provider);
    const now = Date.now();
    for (const symbol of symbols) {
      const entry = this.round.symbols[symbol] ?? { subscriptions: {}, dueAt: now };
      entry.subscriptions[jobId] = subscription;
      this.round.symbols[symbol] = entry;
    }
    this.saveRound();
    await this.armAlarm();
  }

  async unsubscribe(provider: ProviderName, symbols: readonly string[], jobId: string): Promise<void> {
    this.adopt(provider);
    for (const symbol of symbols) {
      const entry = this.round.symbols[symbol];
      if (entry) entry.subscriptions = withoutJob(entry.subscriptions, jobId);
    }
    this.forgetUnneededSymbols();
    this.saveRound();
    await this.armAlarm();
  }

  override async alarm(): Promise<void> {
    // Alarms do not overlap in production, but a forced run (tests, a manual trigger) must not poll twice.
    this.roundInProgress ??= this.runRound().finally(() => {
      this.roundInProgress = undefined;
    });
    await this.roundInProgress;
  }

  private async runRound(): Promise<void> {
    if (!this.provider) return;
    const provider = this.provider;
    await this.dropStoppedJobs();
    const now = Date.now();
    const due = Object.entries(this.round.symbols)
      .filter(([, entry]) => entry.dueAt <= now)
      .map(([symbol]) => symbol);
    const batchSize = getProvider(provider).batchSize;
    const batches: string[][] = [];
    for (let start = 0; start < due.length; start += batchSize) batches.push(due.slice(start, start + batchSize));
    // First every request (a few at a time), then the hand-out: a round's quotes are close together in time
    // (Binance stamps them on arrival), without opening more than a handful of connections to one provider.
    const fetched: FetchedBatch[] = [];
    for (let start = 0; start < batches.length; start += CONCURRENT_BATCH_REQUESTS) {
      const answers = await Promise.all(batches.slice(start, start + CONCURRENT_BATCH_REQUESTS).map((batch) => this.fetchBatch(provider, batch)));
      for (const answer of answers) if (answer) fetched.push(answer);
    }
    await Promise.all(fetched.map((batch) => this.handOut(provider, batch)));
    this.saveRound();
    await this.armAlarm();
  }

  /** One provider request for a batch; undefined when it failed (counted, scheduled and failed over here). */
  private async fetchBatch(provider: ProviderName, symbols: string[]): Promise<FetchedBatch | undefined> {
    const startedAt = Date.now();
    try {
      const batch = await askProvider(this.db, this.account(provider), provider, symbols, this.config);
      const raw = identifyRaw(batch.raw!, symbols);
      await storeRawResponse(this.db, raw);
      return { symbols, startedAt, batch, raw };
    } catch (error) {
      const wire = asWireError(error);
      const polled = this.polled(symbols);
      await countPolls(this.db, polled, wire, Date.now());
      this.schedule(symbols, startedAt, wire);
      await failOver(this.env, provider, wire, polled);
      return undefined;
    }
  }

  /** Each quote to its symbol object, which does the writes; then the jobs' counts. */
  private async handOut(provider: ProviderName, { symbols, startedAt, batch, raw }: FetchedBatch): Promise<void> {
    const failures = new Map([...batch.failures].map(([symbol, error]) => [symbol, error.toWire()]));
    await Promise.all(
      [...batch.quotes].map(async ([symbol, quote]) => {
        const target = { provider, symbol };
        const outcome = settled(await symbolObject(this.env, target).ingest(target, quote, { id: raw.id, fetchedAt: raw.fetchedAt }));
        if (!outcome.ok) failures.set(symbol, outcome.error);
      }),
    );
    const at = Date.now();
    await countPolls(this.db, this.polled(symbols.filter((symbol) => !failures.has(symbol))), undefined, at);
    for (const [symbol, error] of failures) {
      await countPolls(this.db, this.polled([symbol]), error, at);
      await failOver(this.env, provider, error, this.polled([symbol]));
    }
    this.schedule(symbols, startedAt, undefined);
  }

  /** The next due time of these symbols, polled in a request that started at `startedAt`. */
  private schedule(symbols: readonly string[], startedAt: number, error: WireError | undefined): void {
    const schedule = scheduleAfter(error, this.round.rateLimitedRounds, Date.now());
    this.round.rateLimitedRounds = schedule.rateLimitedInARow;
    for (const symbol of symbols) {
      const entry = this.round.symbols[symbol];
      const interval = entry && loopInterval(entry.subscriptions);
      if (entry && interval) entry.dueAt = schedule.nextDue(Math.min(entry.dueAt, startedAt), interval);
    }
  }

  private polled(symbols: readonly string[]): PolledSymbol[] {
    return symbols.map((symbol) => ({ symbol, subscriptions: this.round.symbols[symbol]?.subscriptions ?? {} }));
  }

  private async dropStoppedJobs(): Promise<void> {
    const now = Date.now();
    const entries = Object.values(this.round.symbols);
    const stopped = await stoppedJobs(this.db, entries.flatMap((entry) => jobIds(entry.subscriptions)), this.round.verifiedAt, now);
    if (!stopped) return;
    for (const entry of entries) entry.subscriptions = withoutJobs(entry.subscriptions, stopped);
    this.forgetUnneededSymbols();
    this.round.verifiedAt = now;
  }

  /** The shared budget and health of this provider, kept right here. */
  private account(provider: ProviderName): ProviderAccount | undefined {
    if (getProvider(provider).answerOffline) return undefined;
    return { acquire: () => this.acquire(provider), report: (outcome) => this.report(provider, outcome) };
  }

  private forgetUnneededSymbols(): void {
    this.round.symbols = Object.fromEntries(
      Object.entries(this.round.symbols).filter(([, entry]) => jobIds(entry.subscriptions).length > 0),
    );
  }

  private async armAlarm(): Promise<void> {
    await armEarliest(this.ctx.storage, Object.values(this.round.symbols).map((entry) => entry.dueAt));
  }


  private adopt(provider: ProviderName): void {
    if (this.provider) return;
    this.provider = provider;
    this.ctx.storage.kv.put(KEY_PROVIDER, provider);
  }

  private budgetOf(provider: ProviderName): RequestBudget {
    this.adopt(provider);
    this.budget ??= new RequestBudget(getProvider(provider).budget, this.ctx.storage.kv.get<number[]>(KEY_BUDGET) ?? []);
    return this.budget;
  }

  private saveRound(): void {
    this.ctx.storage.kv.put(KEY_ROUND, this.round);
  }
}
