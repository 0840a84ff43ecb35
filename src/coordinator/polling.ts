import type { Config, Env } from "../env";
import { ApiError, type WireError } from "../errors";
import { activeAmong, recordJobRuns, type JobTally } from "../jobs/store";
import { jobIds, mayFailOver, nextDue, type Subscriptions } from "../jobs/subscriptions";
import { providerClient } from "../objects/provider";
import { fetchQuotes, ProviderAnswerError, rateLimited } from "../providers/http";
import type { ProviderName, Quote, QuoteBatch, SymbolTarget } from "../providers/provider";
import { getProvider, providerConfig } from "../providers/registry";
import type { Database } from "../store/db";
import { storeFailedAnswer } from "../store/prices";
import { backoffDelay } from "../timers/backoff";
import type { BudgetDecision } from "./budget";
import { forEachBounded } from "./bounded";
import { askWithFailover, candidates, isFailover } from "./failover";
import { isAboutTheSymbol, outcomeOfFailure, type PollOutcome } from "./health";

/**
 * The polling policy, written once. Both objects that poll a provider — a symbol object (one symbol per
 * request) and a provider's coordinator (batch rounds) — ask it through here: one budget token, one request,
 * its outcome to the provider's health, the jobs' counts, the next due time (backing off while rate-limited),
 * failover for the symbols whose jobs allow it, and dropping jobs that stopped without unsubscribing.
 */

const RATE_LIMIT_BACKOFF_BASE_MS = 5_000;
const RATE_LIMIT_BACKOFF_CAP_MS = 15 * 60_000;
/** Symbols asked of fallbacks at a time after a batch failed. */
const CONCURRENT_FAILOVERS = 16;
/** How often a loop checks that its jobs are still active. */
export const VERIFY_JOBS_EVERY_MS = 5 * 60_000;

/** A provider's shared request budget and health: the coordinator itself, or the way to it over RPC. */
export interface ProviderAccount {
  acquire(): Promise<BudgetDecision>;
  report(outcome: PollOutcome): Promise<void>;
}

/** The account of `provider` as seen from another object; none for providers that answer offline. */
export function remoteAccount(env: Env, provider: ProviderName): ProviderAccount | undefined {
  if (getProvider(provider).answerOffline) return undefined;
  return providerClient(env, provider);
}

/**
 * Ask the provider for these symbols: a token from the shared budget (a refusal is a rate limit of our own),
 * the request, and its outcome reported to the provider's health; a failed answer is stored like any raw one. Failures are thrown as the ApiError a
 * client would see; per-symbol failures of an answer are the answer's (`QuoteBatch.failures`).
 */
export async function askProvider(
  db: Database,
  account: ProviderAccount | undefined,
  provider: ProviderName,
  symbols: readonly string[],
  config: Config,
): Promise<QuoteBatch> {
  const startedAt = Date.now();
  try {
    if (account) await takeToken(account, provider);
    const batch = await fetchQuotes(getProvider(provider), symbols, providerConfig(config, provider));
    await account?.report({ kind: "ok", at: Date.now(), latencyMs: Date.now() - startedAt });
    return batch;
  } catch (error) {
    if (error instanceof ProviderAnswerError) await storeFailedAnswer(db, error.raw, symbols);
    const apiError = error instanceof ApiError ? error : new ApiError("provider_error", String(error), { provider });
    await account?.report(outcomeOfFailure(apiError.toWire(), Date.now()));
    throw apiError;
  }
}

async function takeToken(account: ProviderAccount, provider: ProviderName): Promise<void> {
  const budget = await account.acquire();
  if (budget.granted) return;
  const seconds = Math.ceil(budget.retryAfterMs / 1000);
  throw rateLimited(provider, seconds, `this deployment's request budget for ${provider} is used up; retry in ${seconds} s`);
}

/** The one quote of a one-symbol answer, or the failure the provider gave for it. */
export function onlyQuote(batch: QuoteBatch, target: SymbolTarget): Quote {
  const failure = batch.failures.get(target.symbol);
  if (failure) throw failure;
  const quote = batch.quotes.get(target.symbol);
  if (!quote || !batch.raw) {
    throw new ApiError("provider_error", `${target.provider} answered without a quote for ${target.symbol}`, { provider: target.provider });
  }
  return quote;
}

/**
 * Whether an answer rejected a whole batch because of a symbol it does not name (Binance's -1121 or -1100 for a
 * multi-symbol request: every symbol failed as unknown, with the batch in the details). Split it to learn which.
 */
export function rejectedAsBatch(batch: QuoteBatch, symbols: readonly string[]): boolean {
  if (symbols.length < 2 || batch.quotes.size > 0) return false;
  return symbols.every((symbol) => {
    const failure = batch.failures.get(symbol);
    const details = failure?.extras.details;
    return failure?.code === "symbol_not_found" && typeof details === "object" && details !== null && "batch" in details;
  });
}

/** When a loop polls next, after a poll and the ones before it. */
export interface PollSchedule {
  /** Consecutive rate-limited polls, this one included (0 once the provider answers again). */
  rateLimitedInARow: number;
  /** When a symbol whose poll was due at `dueAt`, polled every `intervalSeconds`, is due next. */
  nextDue(dueAt: number, intervalSeconds: number): number;
}

/**
 * The schedule after a poll: on the loop's interval, or, while the provider rate-limits, after its
 * Retry-After and at least a backoff that grows with each rate-limited poll in a row.
 */
export function scheduleAfter(error: WireError | undefined, rateLimitedBefore: number, now: number): PollSchedule {
  if (error?.code !== "provider_rate_limited") {
    return { rateLimitedInARow: 0, nextDue: (dueAt, intervalSeconds) => nextDue(dueAt, intervalSeconds, now) };
  }
  const rateLimitedInARow = rateLimitedBefore + 1;
  const retryAfterMs = (error.extras.retry_after ?? 0) * 1000;
  const waitUntil = now + Math.max(retryAfterMs, backoffDelay(rateLimitedInARow, RATE_LIMIT_BACKOFF_BASE_MS, RATE_LIMIT_BACKOFF_CAP_MS));
  return { rateLimitedInARow, nextDue: () => waitUntil };
}

/** One symbol a loop polled, and the jobs that asked for it. */
export interface PolledSymbol {
  symbol: string;
  subscriptions: Subscriptions;
}

/** Add these polls to their jobs' tallies: one run per symbol a job asked for, and as many errors if they failed. */
export function tallyPolls(tallies: Map<string, JobTally>, polled: readonly PolledSymbol[], error: WireError | undefined, nextDueAt: number): void {
  for (const { subscriptions } of polled) {
    for (const id of jobIds(subscriptions)) {
      const tally = tallies.get(id) ?? { runs: 0, errors: 0, nextRunAt: nextDueAt };
      tally.runs += 1;
      tally.nextRunAt = Math.min(tally.nextRunAt, nextDueAt);
      if (error) {
        tally.errors += 1;
        tally.lastError = `${error.code}: ${error.message}`;
      }
      tallies.set(id, tally);
    }
  }
}

/** A loop's timing: when its poll was due, and how many polls in a row were rate-limited. */
export interface LoopTiming {
  dueAt: number;
  rateLimitedInARow: number;
}

/**
 * After a symbol object's own poll of its symbol: count it in the jobs that asked, time the next poll (backing
 * off while rate-limited), and fail over if the failure allows it. Answers the loop's next timing.
 */
export async function afterOwnPoll(
  env: Env,
  db: Database,
  polled: PolledSymbol & { provider: ProviderName },
  error: WireError | undefined,
  timing: LoopTiming,
  intervalSeconds: number,
): Promise<LoopTiming> {
  const now = Date.now();
  const schedule = scheduleAfter(error, timing.rateLimitedInARow, now);
  const next = { dueAt: schedule.nextDue(timing.dueAt, intervalSeconds), rateLimitedInARow: schedule.rateLimitedInARow };
  const tallies = new Map<string, JobTally>();
  tallyPolls(tallies, [polled], error, next.dueAt);
  await recordJobRuns(db, tallies, now);
  if (error) await failOver(env, polled.provider, error, [polled]);
  return next;
}

/** After a failure that says "this provider, now", the symbols whose jobs left the provider open are polled
 *  by the next healthy fallback, in their own symbol objects. */
export async function failOver(env: Env, provider: ProviderName, error: WireError, polled: readonly PolledSymbol[]): Promise<void> {
  if (!isFailover(error) || isAboutTheSymbol(error)) return;
  const fallbacks = candidates(env, provider, false).slice(1);
  if (fallbacks.length === 0) return;
  const open = polled.filter(({ subscriptions }) => mayFailOver(subscriptions));
  await forEachBounded(open, CONCURRENT_FAILOVERS, async ({ symbol }) => {
    await askWithFailover(env, symbol, fallbacks, { kind: "poll" });
  });
}

/**
 * Of these jobs, the ones that have stopped, when a check is due (a lost unsubscribe — a crash mid-DELETE —
 * must not keep a symbol polled for ever); undefined when it is not. Only jobs that were asked about can be
 * reported stopped, so a job that subscribes during the check is kept.
 */
export async function stoppedJobs(db: Database, ids: readonly string[], verifiedAt: number, now: number): Promise<Set<string> | undefined> {
  if (now - verifiedAt < VERIFY_JOBS_EVERY_MS) return undefined;
  const asked = [...new Set(ids)];
  const active = await activeAmong(db, asked);
  return new Set(asked.filter((id) => !active.has(id)));
}
