/**
 * One Durable Object per backfill job: its plan (provider-sized requests, oldest first, per symbol) and where it
 * stands, kept in the object's storage after every request, and driven by the object's alarm — one provider
 * request per alarm run. An alarm survives restarts and redeploys, so a job resumes at the request it was at
 * (a request cut off mid-way is asked again; bars are upserted, so nothing is stored twice). The budget's
 * refusal is a wait (the alarm is set for when a token frees up), never a failure.
 */
import { DurableObject } from "cloudflare:workers";
import { readConfig, type Env } from "../env";
import { ApiError } from "../errors";
import { createSink } from "../events/sinks";
import { getHistoryProvider } from "../providers/history-registry";
import type { ProviderRequest } from "../providers/provider";
import { BACKFILL_EVENT_VERSION, type BackfillCompletedEvent } from "../schemas/backfill-event";
import { database } from "../store/db";
import { backoffDelay } from "../timers/backoff";
import { gapsIn } from "./coverage";
import { fetchWindowPage, takeBudget } from "./fetch";
import { readCoverage } from "./store";
import { writeProgress, type BackfillJob, type BackfillProgress, type BackfillStep } from "./backfill-store";

const KEY_PLAN = "plan";
/** Attempts of one request before its range is recorded as an error and the job moves on. */
const MAX_ATTEMPTS = 3;
/** A rate limit is waited out longer than other failures before the range is given up. */
const MAX_RATE_LIMITED_ATTEMPTS = 8;
const RETRY_BASE_MS = 2_000;
const RETRY_CAP_MS = 5 * 60_000;
/** Errors that no retry can fix: the symbol's remaining ranges are skipped. */
const FINAL_FOR_SYMBOL = new Set(["symbol_not_found", "provider_plan_required", "provider_not_configured", "invalid_request"]);

interface Plan {
  job: BackfillJob;
  steps: BackfillStep[];
  position: number;
  /** The next page of the current step (Polygon's next_url), if it is paged. */
  next: ProviderRequest | null;
  attempts: number;
  storedBySymbol: Record<string, number>;
  failedSymbols: string[];
  /** backfill.completed events not yet acknowledged by the sink. */
  pendingEvents: BackfillCompletedEvent[];
  deliveryAttempts: number;
}

export class BackfillObject extends DurableObject<Env> {
  /** Plan the job (only the ranges the store does not hold yet) and start it. Idempotent. */
  async start(job: BackfillJob): Promise<void> {
    if (this.load()) return;
    const steps = await this.planSteps(job);
    const plan: Plan = {
      job: { ...job, requestsPlanned: steps.length },
      steps,
      position: 0,
      next: null,
      attempts: 0,
      storedBySymbol: Object.fromEntries(job.config.symbols.map((symbol) => [symbol, 0])),
      failedSymbols: [],
      pendingEvents: [],
      deliveryAttempts: 0,
    };
    await this.save(plan);
    await this.ctx.storage.setAlarm(Date.now());
  }

  /** Stop the job; a finished job stays as it finished. */
  async cancel(): Promise<BackfillProgress | null> {
    const plan = this.load();
    if (!plan) return null;
    if (plan.job.status === "queued" || plan.job.status === "running") {
      plan.job = { ...plan.job, status: "cancelled", current: null, finishedAt: Date.now() };
      await this.ctx.storage.deleteAlarm();
      await this.save(plan);
    }
    return plan.job;
  }

  override async alarm(): Promise<void> {
    const plan = this.load();
    if (!plan) return;
    if (plan.job.status === "cancelled") return;
    if (plan.job.status === "done" || plan.job.status === "failed") return this.deliver(plan);
    this.skipFailedSymbols(plan);
    const step = plan.steps[plan.position];
    if (!step) return this.finish(plan);
    plan.job = { ...plan.job, status: "running", current: step };
    const budget = await takeBudget(this.env, plan.job.config.provider);
    if (this.cancelledMeanwhile()) return;
    if (!budget.granted) {
      await this.save(plan);
      await this.ctx.storage.setAlarm(Date.now() + budget.retryAfterMs);
      return;
    }
    const retryAt = await this.request(plan, step);
    // A cancel that arrived while the request was out wins: its bars are stored, nothing else is asked.
    if (this.cancelledMeanwhile()) return;
    await this.save(plan);
    await this.ctx.storage.setAlarm(retryAt ?? Date.now());
  }

  /** Other calls (a cancel) run while this one waits for the provider or the coordinator. */
  private cancelledMeanwhile(): boolean {
    return this.load()?.job.status === "cancelled";
  }

  /** One provider request of `step`; the time to try it again when it failed and may be retried. */
  private async request(plan: Plan, step: BackfillStep): Promise<number | undefined> {
    const { provider, interval } = plan.job.config;
    plan.job.requestsDone += 1;
    try {
      const page = await fetchWindowPage(this.env, provider, { symbol: step.symbol, interval, from: step.from, to: step.to }, plan.next ?? undefined);
      plan.job.barsStored += page.stored;
      plan.storedBySymbol[step.symbol] = (plan.storedBySymbol[step.symbol] ?? 0) + page.stored;
      plan.attempts = 0;
      if (page.next) {
        plan.next = page.next;
        plan.job.requestsPlanned += 1;
      } else {
        plan.next = null;
        plan.position += 1;
      }
      return undefined;
    } catch (error) {
      return this.failed(plan, step, error instanceof ApiError ? error : new ApiError("provider_error", String(error)));
    }
  }

  private failed(plan: Plan, step: BackfillStep, error: ApiError): number | undefined {
    plan.attempts += 1;
    const rateLimited = error.code === "provider_rate_limited";
    const final = FINAL_FOR_SYMBOL.has(error.code);
    if (!final && plan.attempts < (rateLimited ? MAX_RATE_LIMITED_ATTEMPTS : MAX_ATTEMPTS)) {
      const wait = Math.max((error.extras.retry_after ?? 0) * 1000, backoffDelay(plan.attempts, RETRY_BASE_MS, RETRY_CAP_MS));
      return Date.now() + wait;
    }
    plan.job.errors = [...plan.job.errors, { ...step, code: error.code, message: error.message }];
    plan.failedSymbols = [...new Set([...plan.failedSymbols, step.symbol])];
    plan.attempts = 0;
    plan.next = null;
    plan.position += 1;
    return undefined;
  }

  /** A symbol that failed for good keeps no further requests. */
  private skipFailedSymbols(plan: Plan): void {
    for (let step = plan.steps[plan.position]; step && this.symbolGaveUp(plan, step.symbol); step = plan.steps[plan.position]) {
      plan.job.requestsPlanned -= 1;
      plan.position += 1;
    }
  }

  private symbolGaveUp(plan: Plan, symbol: string): boolean {
    return plan.job.errors.some((error) => error.symbol === symbol && FINAL_FOR_SYMBOL.has(error.code));
  }

  /** Done (or failed, when a range could not be fetched); one backfill.completed per symbol that completed. */
  private async finish(plan: Plan): Promise<void> {
    const { config } = plan.job;
    const now = Date.now();
    plan.job = { ...plan.job, status: plan.job.errors.length === 0 ? "done" : "failed", current: null, finishedAt: now };
    plan.pendingEvents = config.symbols
      .filter((symbol) => !plan.failedSymbols.includes(symbol))
      .map((symbol) => ({
        event_id: crypto.randomUUID(),
        type: "backfill.completed",
        version: BACKFILL_EVENT_VERSION,
        backfill_id: plan.job.id,
        symbol,
        provider: config.provider,
        interval: config.interval,
        from: new Date(config.from).toISOString(),
        to: new Date(config.to).toISOString(),
        bars_stored: plan.storedBySymbol[symbol] ?? 0,
        emitted_at: new Date(now).toISOString(),
      }));
    await this.save(plan);
    await this.deliver(plan);
  }

  /** At least once: the events stay until the sink acknowledged them, retried with capped backoff. */
  private async deliver(plan: Plan): Promise<void> {
    if (plan.pendingEvents.length === 0) return;
    try {
      await createSink(readConfig(this.env), { timeoutMs: readConfig(this.env).EVENT_SINK_TIMEOUT_MS }).publish(plan.pendingEvents);
      plan.pendingEvents = [];
      plan.deliveryAttempts = 0;
      await this.save(plan);
    } catch (error) {
      console.error(`backfill ${plan.job.id}: delivering backfill.completed failed`, error);
      plan.deliveryAttempts += 1;
      await this.save(plan);
      await this.ctx.storage.setAlarm(Date.now() + backoffDelay(plan.deliveryAttempts, 1_000, 60_000));
    }
  }

  /** Each symbol's reachable range, less what the store already holds, in provider-sized requests. */
  private async planSteps(job: BackfillJob): Promise<BackfillStep[]> {
    const { symbols, interval, provider } = job.config;
    const history = getHistoryProvider(provider);
    const db = database(this.env.DB);
    const now = Date.now();
    const lookback = history.lookbackMs(interval);
    const from = lookback === undefined ? job.config.from : Math.max(job.config.from, now - lookback);
    const range = { from, to: Math.min(job.config.to, now) };
    if (range.to <= range.from) return [];
    const steps: BackfillStep[] = [];
    for (const symbol of symbols) {
      const gaps = gapsIn(range, await readCoverage(db, { symbol, provider, interval }, range));
      for (const gap of gaps) {
        for (const window of history.split({ symbol, interval, ...gap })) steps.push({ symbol, from: window.from, to: window.to });
      }
    }
    return steps;
  }

  private load(): Plan | undefined {
    return this.ctx.storage.kv.get<Plan>(KEY_PLAN);
  }

  /** The object's storage first (the job's truth), then the row clients read. */
  private async save(plan: Plan): Promise<void> {
    this.ctx.storage.kv.put(KEY_PLAN, plan);
    await writeProgress(database(this.env.DB), plan.job.id, plan.job);
  }
}
