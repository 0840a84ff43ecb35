import { afterOwnPoll, stoppedJobs } from "../coordinator/polling";
import type { Env } from "../env";
import { jobIds, loopInterval, withoutJob, withoutJobs, type Subscription, type Subscriptions } from "../jobs/subscriptions";
import type { LatestQuote, SymbolTarget } from "../providers/provider";
import type { Outcome } from "../objects/outcome";
import type { Database } from "../store/db";

const KEY_LOOP = "loop";

interface LoopState {
  subscriptions: Subscriptions;
  /** When the next poll is due; null when no job needs this symbol. */
  dueAt: number | null;
  /** Consecutive rate-limited polls, for backoff. */
  rateLimitedPolls: number;
  verifiedAt: number;
}

/** What the loop needs from its object: a poll of the symbol, and where jobs are counted. */
export interface PollLoopDeps {
  env: Env;
  db: Database;
  kv: SyncKvStorage;
  poll: () => Promise<Outcome<LatestQuote>>;
  /** Counts each D1 statement the loop sends, for the write-cost figures. */
  countQuery: () => void;
}

/**
 * The polling loop of a symbol whose provider quotes one symbol per request: the jobs subscribed to it, when
 * the next poll is due (the smallest interval any of them asks for, or a rate-limit backoff), and each poll's
 * bookkeeping — all by the one polling policy (src/coordinator/polling.ts). Batch providers are polled by
 * their coordinator instead; the object's alarm calls `pollIfDue` first, before delivery.
 */
export class PollLoop {
  private state: LoopState;

  constructor(private readonly deps: PollLoopDeps) {
    this.state = deps.kv.get<LoopState>(KEY_LOOP) ?? { subscriptions: {}, dueAt: null, rateLimitedPolls: 0, verifiedAt: Date.now() };
  }

  get dueAt(): number | null {
    return this.state.dueAt;
  }

  /** A job needs this symbol polled every `subscription.interval` seconds (idempotent). */
  subscribe(jobId: string, subscription: Subscription): void {
    this.state.subscriptions[jobId] = subscription;
    this.state.dueAt ??= Date.now();
    this.save();
  }

  unsubscribe(jobId: string): void {
    this.state.subscriptions = withoutJob(this.state.subscriptions, jobId);
    if (jobIds(this.state.subscriptions).length === 0) this.state.dueAt = null;
    this.save();
  }

  async pollIfDue(target: SymbolTarget): Promise<void> {
    const { dueAt } = this.state;
    if (dueAt === null || dueAt > Date.now()) return;
    await this.dropStoppedJobs();
    const interval = loopInterval(this.state.subscriptions);
    if (interval === null) {
      this.state.dueAt = null;
      this.save();
      return;
    }
    const outcome = await this.deps.poll();
    const polled = { ...target, subscriptions: this.state.subscriptions };
    const timing = { dueAt, rateLimitedInARow: this.state.rateLimitedPolls };
    const next = await afterOwnPoll(this.deps.env, this.deps.db, polled, outcome.ok ? undefined : outcome.error, timing, interval);
    this.deps.countQuery();
    this.state.dueAt = next.dueAt;
    this.state.rateLimitedPolls = next.rateLimitedInARow;
    this.save();
  }

  /** A lost unsubscribe (a crash mid-DELETE) must not keep a symbol polled forever. */
  private async dropStoppedJobs(): Promise<void> {
    const now = Date.now();
    const stopped = await stoppedJobs(this.deps.db, jobIds(this.state.subscriptions), this.state.verifiedAt, now);
    if (!stopped) return;
    this.deps.countQuery();
    this.state.subscriptions = withoutJobs(this.state.subscriptions, stopped);
    this.state.verifiedAt = now;
  }

  private save(): void {
    this.deps.kv.put(KEY_LOOP, this.state);
  }
}
