import { DurableObject } from "cloudflare:workers";
import { readConfig, type Config, type Env } from "../env";
import { ApiError } from "../errors";
import { fetchQuotes, ProviderAnswerError } from "../providers/http";
import type { ProviderName, QuoteBatch } from "../providers/provider";
import { getProvider, providerConfig } from "../providers/registry";
import { database, type Database } from "../store/db";
import { identifyRaw, storeFailedAnswer, storeRawResponse, type StoredRaw } from "../store/prices";
import { symbolObject } from "../objects/symbol";
import { askWithFailover, candidates, isFailover } from "./failover";
import { settled } from "../objects/outcome";
import { armEarliest } from "../timers/alarm";
import { backoffDelay } from "../timers/backoff";
import { RequestBudget, type BudgetDecision } from "./budget";
import { emptyHealth, healthReport, isAvailable, recordOutcome, type HealthReport, type HealthState, type PollOutcome } from "./health";
import { recordJobRuns, activeAmong } from "../jobs/store";
import { jobIds, loopInterval, mayFailOver, nextDue, onlyJobs, withoutJob, type Subscription, type Subscriptions } from "../jobs/subscriptions";

const KEY_PROVIDER = "provider";
const KEY_BUDGET = "budget";
const KEY_HEALTH = "health";
const KEY_ROUND = "round";

const RATE_LIMIT_BACKOFF_BASE_MS = 5_000;
const RATE_LIMIT_BACKOFF_CAP_MS = 15 * 60_000;
const VERIFY_JOBS_EVERY_MS = 5 * 60_000;
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
    await this.dropStoppedJobs();
    const now = Date.now();
    const due = Object.entries(this.round.symbols)
      .filter(([, entry]) => entry.dueAt <= now)
      .map(([symbol]) => symbol);
    const batchSize = getProvider(this.provider).batchSize;
    const batches: string[][] = [];
    for (let start = 0; start < due.length; start += batchSize) batches.push(due.slice(start, start + batchSize));
    // First every request (a few at a time), then the hand-out: a round's quotes are close together in time
    // (Binance stamps them on arrival), without opening more than a handful of connections to one provider.
    const provider = this.provider;
    const fetched: FetchedBatch[] = [];
    for (let start = 0; start < batches.length; start += CONCURRENT_BATCH_REQUESTS) {
      const answers = await Promise.all(batches.slice(start, start + CONCURRENT_BATCH_REQUESTS).map((batch) => this.fetchBatch(provider, batch)));
      for (const answer of answers) if (answer) fetched.push(answer);
    }
    await Promise.all(fetched.map((batch) => this.handOut(provider, batch)));
    this.saveRound();
    await this.armAlarm();
  }

  /** One provider request for a batch; undefined when the budget postponed it or the request failed (handled). */
  private async fetchBatch(provider: ProviderName, symbols: string[]): Promise<FetchedBatch | undefined> {
    const startedAt = Date.now();
    const budget = await this.acquire(provider);
    if (!budget.granted) {
      this.postpone(symbols, startedAt + budget.retryAfterMs);
      return undefined;
    }
    try {
      const batch = await fetchQuotes(getProvider(provider), symbols, providerConfig(this.config, provider));
      await this.report(provider, { kind: "ok", at: Date.now(), latencyMs: Date.now() - startedAt });
      this.round.rateLimitedRounds = 0;
      const raw = identifyRaw(batch.raw!, symbols);
      await storeRawResponse(this.db, raw);
      return { symbols, startedAt, batch, raw };
    } catch (error) {
      if (error instanceof ProviderAnswerError) await storeFailedAnswer(this.db, error.raw, symbols);
      await this.roundFailed(provider, symbols, startedAt, error);
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
    const ok = symbols.filter((symbol) => !failures.has(symbol));
    await recordJobRuns(this.db, this.pollsPerJob(ok), { ok: true, at });
    for (const [symbol, error] of failures) {
      await recordJobRuns(this.db, this.pollsPerJob([symbol]), { ok: false, at, error: `${error.code}: ${error.message}` });
    }
    this.advance(symbols, startedAt);
  }

  private async roundFailed(provider: ProviderName, symbols: string[], startedAt: number, error: unknown): Promise<void> {
    const apiError = error instanceof ApiError ? error : new ApiError("provider_error", String(error), { provider });
    const rateLimited = apiError.code === "provider_rate_limited";
    const retryAfterMs = (apiError.extras.retry_after ?? 0) * 1000;
    await this.report(provider, { kind: rateLimited ? "rate_limited" : "failing", at: Date.now(), retryAfterMs, error: apiError.message });
    await recordJobRuns(this.db, this.pollsPerJob(symbols), { ok: false, at: Date.now(), error: `${apiError.code}: ${apiError.message}` });
    if (rateLimited) {
      this.round.rateLimitedRounds += 1;
      const delay = Math.max(retryAfterMs, backoffDelay(this.round.rateLimitedRounds, RATE_LIMIT_BACKOFF_BASE_MS, RATE_LIMIT_BACKOFF_CAP_MS));
      this.postpone(symbols, Date.now() + delay);
    } else {
      this.advance(symbols, startedAt);
    }
    if (isFailover(apiError.toWire())) await this.failOver(provider, symbols);
  }

  /** Symbols whose jobs left the provider open are polled, this round, by the next healthy fallback. */
  private async failOver(provider: ProviderName, symbols: string[]): Promise<void> {
    const open = symbols.filter((symbol) => mayFailOver(this.round.symbols[symbol]?.subscriptions ?? {}));
    const fallbacks = candidates(this.env, provider, false).slice(1);
    if (fallbacks.length === 0) return;
    await Promise.all(open.map((symbol) => askWithFailover(this.env, symbol, fallbacks, { kind: "poll" })));
  }

  private advance(symbols: string[], dueAt: number): void {
    const now = Date.now();
    for (const symbol of symbols) {
      const entry = this.round.symbols[symbol];
      if (!entry) continue;
      const interval = loopInterval(entry.subscriptions);
      if (interval !== null) entry.dueAt = nextDue(Math.min(entry.dueAt, dueAt), interval, now);
    }
  }

  private postpone(symbols: string[], until: number): void {
    for (const symbol of symbols) {
      const entry = this.round.symbols[symbol];
      if (entry) entry.dueAt = Math.max(entry.dueAt, until);
    }
  }

  private jobsOf(symbols: readonly string[]): string[] {
    return [...this.pollsPerJob(symbols).keys()];
  }

  /** How many of these symbols each job asked for: a job's runs count one poll per symbol. */
  private pollsPerJob(symbols: readonly string[]): Map<string, number> {
    const polls = new Map<string, number>();
    for (const symbol of symbols) {
      for (const id of jobIds(this.round.symbols[symbol]?.subscriptions ?? {})) polls.set(id, (polls.get(id) ?? 0) + 1);
    }
    return polls;
  }

  /** A lost unsubscribe (a crash mid-DELETE) must not keep a symbol polled forever. */
  private async dropStoppedJobs(): Promise<void> {
    const now = Date.now();
    if (now - this.round.verifiedAt < VERIFY_JOBS_EVERY_MS) return;
    const active = await activeAmong(this.db, this.jobsOf(Object.keys(this.round.symbols)));
    for (const entry of Object.values(this.round.symbols)) entry.subscriptions = onlyJobs(entry.subscriptions, active);
    this.forgetUnneededSymbols();
    this.round.verifiedAt = now;
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
