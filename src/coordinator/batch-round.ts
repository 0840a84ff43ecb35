import type { Config, Env } from "../env";
import type { WireError } from "../errors";
import type { JobTally } from "../jobs/store";
import { recordJobRuns } from "../jobs/store";
import { loopInterval, type Subscriptions } from "../jobs/subscriptions";
import { asWireError } from "../objects/outcome";
import { symbolClient } from "../objects/symbol";
import type { ProviderName, QuoteBatch } from "../providers/provider";
import { getProvider } from "../providers/registry";
import type { Database } from "../store/db";
import { identifyRaw, storeRawResponse, storeRawResponses, type StoredRaw } from "../store/prices";
import type { BatchSymbols } from "./batch-symbols";
import { forEachBounded } from "./bounded";
import type { RoundDelivery, RoundLoan } from "./round-delivery";
import { isAboutTheSymbol } from "./health";
import { askProvider, failOver, rejectedAsBatch, scheduleAfter, tallyPolls, type PolledSymbol, type ProviderAccount } from "./polling";
import type { RawAnswerSampling } from "./raw-answers";

/** Provider requests in flight at a time: a handful of connections to one provider, never a burst. */
const CONCURRENT_BATCH_REQUESTS = 4;
/** Symbol objects handed a quote at a time: a round of 1,000 quotes is ten waves, neither 1,000 calls in a row nor at once. */
export const CONCURRENT_HAND_OUTS = 100;
/** A symbol the provider called unknown is asked again, alone, this often (at least its interval). */
export const QUARANTINE_RECHECK_MS = 10 * 60_000;

export interface RoundContext {
  env: Env;
  db: Database;
  config: Config;
  provider: ProviderName;
  account: ProviderAccount | undefined;
  symbols: BatchSymbols;
  /** Consecutive rate-limited rounds before this one. */
  rateLimitedRounds: number;
  /** Which answers are stored: the coordinator's, so duplicate-only answers are sampled across rounds. */
  rawAnswers: RawAnswerSampling;
  /** The rounds' publishing and writing of their symbols' new points, with what is still to confirm (round-delivery.ts). */
  delivery: RoundDelivery;
}

interface FetchedBatch {
  symbols: string[];
  startedAt: number;
  batch: QuoteBatch;
  raw: StoredRaw;
}

/** How one symbol's poll ended this round. */
interface SymbolResult {
  /** When its request started: the loop's interval counts from there. */
  startedAt: number;
  error: WireError | undefined;
}

/**
 * One polling round of a batch provider: every due symbol asked in batches (a batch the provider rejects for
 * an unnamed unknown symbol is split in halves until the culprits stand alone; those are quarantined and
 * asked alone, rarely, so they never fail other jobs' symbols again), every quote handed to its symbol
 * object, which does the writes, then the answers that brought a new point (and a sample of the others), then
 * the jobs' counts in one statement and every symbol's next due time.
 */
export class BatchRound {
  private readonly results = new Map<string, SymbolResult>();
  private subscriptions = new Map<string, Subscriptions>();
  private dueAt = new Map<string, number>();

  constructor(private readonly round: RoundContext) {}

  /** Run the round; answers the count of rate-limited rounds in a row after it. */
  async run(now: number): Promise<number> {
    const due = this.round.symbols.due(now);
    this.dueAt = due.dueAt;
    this.subscriptions = this.round.symbols.subscriptionsOf([...due.batchable, ...due.quarantined]);
    const batchSize = getProvider(this.round.provider).batchSize;
    const requests: string[][] = due.quarantined.map((symbol) => [symbol]);
    for (let start = 0; start < due.batchable.length; start += batchSize) requests.push(due.batchable.slice(start, start + batchSize));

    // First every request, then the hand-out: a round's quotes are close together in time (Binance stamps
    // them on arrival).
    const fetched: FetchedBatch[] = [];
    await forEachBounded(requests, CONCURRENT_BATCH_REQUESTS, async (symbols) => {
      fetched.push(...(await this.fetch(symbols)));
    });
    const { broughtNewPoints, lent } = await this.handOut(fetched);
    await this.round.delivery.deliver(this.round.env, this.round.db, this.round.config, this.round.provider, lent, now);
    await this.storeAnswers(fetched, broughtNewPoints);
    return this.settle(now);
  }

  /** One request; a batch rejected for an unnamed unknown symbol is asked again in halves. */
  private async fetch(symbols: string[]): Promise<FetchedBatch[]> {
    const { db, account, provider, config } = this.round;
    const startedAt = Date.now();
    try {
      const batch = await askProvider(db, account, provider, symbols, config);
      const raw = identifyRaw(batch.raw!, symbols);
      if (!rejectedAsBatch(batch, symbols)) return [{ symbols, startedAt, batch, raw }];
      // A rejection is a failed answer: kept, as askProvider keeps the others.
      await storeRawResponse(db, raw);
      const half = Math.ceil(symbols.length / 2);
      const halves = [...(await this.fetch(symbols.slice(0, half))), ...(await this.fetch(symbols.slice(half)))];
      return halves;
    } catch (error) {
      const wire = asWireError(error);
      for (const symbol of symbols) this.results.set(symbol, { startedAt, error: wire });
      return [];
    }
  }

  /**
   * Each quote to its symbol object, a bounded number at a time, with the confirmation of what it lent last;
   * answers the ids of the answers that brought a new point, and what of the new points was lent to the round.
   */
  private async handOut(fetched: readonly FetchedBatch[]): Promise<{ broughtNewPoints: Set<string>; lent: RoundLoan[] }> {
    const { env, provider, delivery } = this.round;
    for (const { symbols, startedAt, batch } of fetched) {
      for (const symbol of symbols) this.results.set(symbol, { startedAt, error: batch.failures.get(symbol)?.toWire() });
    }
    const quotes = fetched.flatMap(({ batch, raw }) => [...batch.quotes.values()].map((quote) => ({ quote, raw })));
    const broughtNewPoints = new Set<string>();
    const lent: RoundLoan[] = [];
    await forEachBounded(quotes, CONCURRENT_HAND_OUTS, async ({ quote, raw }) => {
      const handOut = delivery.handOut(quote.symbol, Date.now());
      const outcome = await symbolClient(env, { provider, symbol: quote.symbol }).ingest(quote, { id: raw.id, fetchedAt: raw.fetchedAt }, handOut);
      const result = this.results.get(quote.symbol);
      if (!outcome.ok && result) result.error = outcome.error;
      if (outcome.ok && outcome.value.newPoint) broughtNewPoints.add(raw.id);
      if (outcome.ok && outcome.value.lent) lent.push({ symbol: quote.symbol, lent: outcome.value.lent });
    });
    return { broughtNewPoints, lent };
  }

  /**
   * The round's answers that brought a new point, and now and then one that brought none (raw-answers.ts), in
   * one statement. After the hand-out, since only the symbol objects know what was new; the points name their
   * answer by id, so a point in D1 before its answer is fine. Best effort: an answer is kept for tracing, and a
   * store that cannot take it must not fail the symbols whose points are already committed.
   */
  private async storeAnswers(fetched: readonly FetchedBatch[], broughtNewPoints: ReadonlySet<string>): Promise<void> {
    const { db, provider, rawAnswers } = this.round;
    const kept = fetched.filter(({ raw }) => rawAnswers.keeps(broughtNewPoints.has(raw.id), raw.fetchedAt)).map(({ raw }) => raw);
    try {
      await storeRawResponses(db, kept);
    } catch (error) {
      console.error(`storing ${kept.length} ${provider} answer(s) of a batch round failed`, error);
    }
  }

  /**
   * The jobs' counts (one statement), every polled symbol's next due time, failover for the failed, and the
   * confirmations of delivered events that would wait too long for their symbol's next hand-out.
   */
  private async settle(roundStartedAt: number): Promise<number> {
    const { env, db, provider, symbols, rateLimitedRounds, delivery } = this.round;
    const now = Date.now();
    const rateLimit = [...this.results.values()].find(({ error }) => error?.code === "provider_rate_limited")?.error;
    const onInterval = scheduleAfter(undefined, 0, now);
    const whileRateLimited = scheduleAfter(rateLimit, rateLimitedRounds, now);
    const tallies = new Map<string, JobTally>();
    const next: { symbol: string; dueAt: number; quarantined: boolean }[] = [];
    const failedOver: Map<WireError, PolledSymbol[]> = new Map();
    for (const [symbol, { startedAt, error }] of this.results) {
      const subscriptions = this.subscriptions.get(symbol) ?? {};
      const polled = { symbol, subscriptions };
      const interval = loopInterval(subscriptions);
      if (interval === null) continue;
      const unknown = error !== undefined && isAboutTheSymbol(error);
      const schedule = error?.code === "provider_rate_limited" ? whileRateLimited : onInterval;
      const dueAt = unknown ? now + Math.max(QUARANTINE_RECHECK_MS, interval * 1000) : schedule.nextDue(Math.min(this.dueAt.get(symbol) ?? startedAt, startedAt), interval);
      tallyPolls(tallies, [polled], error, dueAt);
      next.push({ symbol, dueAt, quarantined: unknown });
      if (error && !unknown) failedOver.set(error, [...(failedOver.get(error) ?? []), polled]);
    }
    await recordJobRuns(db, tallies, now);
    symbols.schedule(next, now);
    const nextDue = new Map(next.map(({ symbol, dueAt }) => [symbol, dueAt]));
    await delivery.confirmWaiting(env, provider, (symbol) => nextDue.get(symbol), roundStartedAt, now);
    for (const [error, polled] of failedOver) await failOver(env, provider, error, polled);
    return rateLimit ? whileRateLimited.rateLimitedInARow : 0;
  }
}
