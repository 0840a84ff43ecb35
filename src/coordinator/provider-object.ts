/**
 * src/coordinator/ owns the provider's side of polling: one ProviderObject per provider (here) with the request
 * budget every caller shares (budget.ts), the provider's health and status (health.ts, provider-status.ts),
 * failover (failover.ts), the batch rounds of providers that quote many symbols per request (batch-*.ts,
 * round-delivery.ts), and the one polling policy both objects follow (polling.ts).
 */
import { DurableObject } from "cloudflare:workers";
import { readConfig, type Config, type Env } from "../env";
import type { Subscription, Subscriptions } from "../jobs/subscriptions";
import type { ProviderName } from "../providers/provider";
import { getProvider, providerBudget } from "../providers/registry";
import { database, type Database } from "../store/db";
import { armEarliest } from "../timers/alarm";
import { BatchRound } from "./batch-round";
import { BatchSymbols } from "./batch-symbols";
import { RequestBudget, type BudgetDecision } from "./budget";
import { emptyHealth, healthReport, isAvailable, recordOutcome, type HealthReport, type HealthState, type PollOutcome } from "./health";
import { stoppedJobs, type ProviderAccount } from "./polling";
import { RawAnswerSampling } from "./raw-answers";
import { RoundDelivery } from "./round-delivery";

const KEY_PROVIDER = "provider";
const KEY_BUDGET = "budget";
const KEY_HEALTH = "health";
const KEY_ROUND = "round";

interface RoundState {
  /** Consecutive rate-limited rounds, for backoff. */
  rateLimitedRounds: number;
  /** When the subscribed jobs were last checked to be active. */
  verifiedAt: number;
}

/** What earlier versions kept: every subscription inside the round's one stored value. */
interface StoredRoundV1 extends RoundState {
  symbols?: Record<string, { subscriptions: Subscriptions; dueAt: number }>;
}

export interface ProviderStatus extends HealthReport {
  requests_last_minute: number;
  requests_last_day: number;
  polled_symbols: number;
}

/**
 * One per provider ("provider:<name>"): the request budget every job and request shares, the provider's
 * health, and, for providers that quote many symbols per request, the polling rounds (src/coordinator/
 * batch-round.ts) over the subscriptions kept as rows in this object's SQLite storage. A round asks once per
 * batch for all symbols that are due and hands each quote to its symbol object, which still does every
 * write: batching changes who fetches, never who writes.
 */
export class ProviderObject extends DurableObject<Env> {
  private readonly config: Config;
  private readonly db: Database;
  private readonly symbols: BatchSymbols;
  private provider: ProviderName | undefined;
  private budget: RequestBudget | undefined;
  private health: HealthState;
  private round: RoundState;
  private roundInProgress: Promise<void> | undefined;
  private readonly rawAnswers = new RawAnswerSampling();
  private readonly roundDelivery = new RoundDelivery();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = readConfig(env);
    this.db = database(env.DB);
    this.symbols = new BatchSymbols(ctx.storage.sql);
    this.provider = ctx.storage.kv.get<ProviderName>(KEY_PROVIDER);
    this.health = ctx.storage.kv.get<HealthState>(KEY_HEALTH) ?? emptyHealth();
    this.round = this.loadRound();
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
      polled_symbols: this.symbols.count(),
    };
  }

  /** A job needs these symbols polled in this provider's batch rounds (idempotent; one call per job, so
   *  the first round sees all of its symbols). */
  async subscribe(provider: ProviderName, symbols: readonly string[], jobId: string, subscription: Subscription): Promise<void> {
    this.adopt(provider);
    this.symbols.subscribe(jobId, symbols, subscription, Date.now());
    await this.armAlarm();
  }

  async unsubscribe(provider: ProviderName, symbols: readonly string[], jobId: string): Promise<void> {
    this.adopt(provider);
    this.symbols.unsubscribe(jobId, symbols);
    await this.armAlarm();
    // Symbols no longer polled get no next hand-out to carry their confirmations.
    await this.roundDelivery.confirmAll(this.env, provider);
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
    const round = new BatchRound({
      env: this.env,
      db: this.db,
      config: this.config,
      provider,
      account: this.account(provider),
      symbols: this.symbols,
      rateLimitedRounds: this.round.rateLimitedRounds,
      rawAnswers: this.rawAnswers,
      delivery: this.roundDelivery,
    });
    this.round.rateLimitedRounds = await round.run(Date.now());
    this.saveRound();
    await this.armAlarm();
    if (this.symbols.earliestDue() === null) await this.roundDelivery.confirmAll(this.env, provider);
  }

  /** Jobs that stopped without unsubscribing (a crash mid-DELETE) must not keep their symbols polled. */
  private async dropStoppedJobs(): Promise<void> {
    const now = Date.now();
    const stopped = await stoppedJobs(this.db, this.symbols.jobIds(), this.round.verifiedAt, now);
    if (!stopped) return;
    this.symbols.dropJobs(stopped);
    this.round.verifiedAt = now;
  }

  /** The shared budget and health of this provider, kept right here. */
  private account(provider: ProviderName): ProviderAccount | undefined {
    if (getProvider(provider).answerOffline) return undefined;
    return { acquire: () => this.acquire(provider), report: (outcome) => this.report(provider, outcome) };
  }

  private async armAlarm(): Promise<void> {
    await armEarliest(this.ctx.storage, [this.symbols.earliestDue()]);
  }

  /** The round's state; subscriptions an earlier version kept inside it move to their rows once. */
  private loadRound(): RoundState {
    const stored = this.ctx.storage.kv.get<StoredRoundV1>(KEY_ROUND);
    if (!stored) return { rateLimitedRounds: 0, verifiedAt: Date.now() };
    const round = { rateLimitedRounds: stored.rateLimitedRounds, verifiedAt: stored.verifiedAt };
    if (stored.symbols) {
      for (const [symbol, entry] of Object.entries(stored.symbols)) {
        for (const [jobId, subscription] of Object.entries(entry.subscriptions)) this.symbols.subscribe(jobId, [symbol], subscription, entry.dueAt);
      }
      this.ctx.storage.kv.put(KEY_ROUND, round);
    }
    return round;
  }

  private adopt(provider: ProviderName): void {
    if (this.provider) return;
    this.provider = provider;
    this.ctx.storage.kv.put(KEY_PROVIDER, provider);
  }

  private budgetOf(provider: ProviderName): RequestBudget {
    this.adopt(provider);
    this.budget ??= new RequestBudget(providerBudget(this.config, provider), this.ctx.storage.kv.get<number[]>(KEY_BUDGET) ?? []);
    return this.budget;
  }

  private saveRound(): void {
    this.ctx.storage.kv.put(KEY_ROUND, this.round);
  }
}
