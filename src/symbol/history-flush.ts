import type { Database } from "../store/db";
import { storePointRows, type RawResponseRow } from "../store/prices";
import { backoffDelay } from "../timers/backoff";
import { Lend } from "./lend";
import type { LoggedPoint, PointLog } from "./point-log";

/** Points per D1 statement: a few hundred bytes each, well inside D1's 2 MB per value. */
const FLUSH_BATCH = 500;
const FLUSH_BACKOFF_BASE_MS = 1_000;
const FLUSH_BACKOFF_CAP_MS = 60_000;
/** Failed flushes of one point alone after which D1 is taken to refuse that point for good. */
const REFUSALS_BEFORE_SETTING_ASIDE = 5;

export interface FlushStats {
  d1Queries: number;
  d1RowsWritten: number;
}

/**
 * Writes a symbol's committed points (and the raw answers the object fetched itself) from its point log to D1
 * in batches: one statement for all the points of a flush, idempotent through price_points' unique index, so a
 * flush repeated after a lost answer stores nothing twice. Flushes run `intervalMs` after the first point that
 * is waiting (a job's points gather), or at once when a client waits for its answer (`flushNow`). D1 is where
 * /prices/history reads, so history lags the object by up to `intervalMs` (plus a D1 write). A point a batch
 * round took over (lend) is written by the round with its other symbols' points, usually within the round.
 */
export class HistoryFlush {
  private nextAt: number | null;
  private failures = 0;
  private running: Promise<void> | undefined;
  /** The point lent to a batch round; nothing of this object's own is written meanwhile, unless a client waits. */
  private readonly lent = new Lend();
  readonly stats: FlushStats = { d1Queries: 0, d1RowsWritten: 0 };

  constructor(
    private readonly log: PointLog,
    private readonly db: Database,
    private readonly intervalMs: number,
    /** A point D1 refuses for good (it is kept as a dead letter, so the points behind it are not held up). */
    private readonly setAside: (point: LoggedPoint, reason: string) => Promise<void>,
  ) {
    this.nextAt = log.unflushed > 0 ? Date.now() : null;
  }

  get dueAt(): number | null {
    return this.nextAt;
  }

  pointsCommitted(now: number): void {
    if (this.lent.isOut) return;
    this.nextAt ??= now + this.intervalMs;
  }

  /** The seq of the point just committed, lent to the batch round that handed its quote over, when it is the only one waiting. */
  lend(now: number): number | undefined {
    if (this.lent.isOut || this.running || this.failures > 0 || this.log.unflushed !== 1) return undefined;
    this.nextAt = this.lent.lend(this.log.newestSeq, now);
    return this.log.newestSeq;
  }

  /** The round says D1 holds this object's points through `throughSeq`. */
  confirm(throughSeq: number, now: number): void {
    if (throughSeq > this.log.newestSeq) return;
    this.log.markFlushed(throughSeq);
    this.lent.doneThrough(throughSeq);
    if (this.lent.isOut) return;
    this.nextAt = this.log.unflushed > 0 ? now + this.intervalMs : null;
  }

  /** The round could not write the point it was lent: it goes with this object's next flush. */
  takeBack(seq: number, now: number): void {
    if (this.lent.giveBack(seq)) this.nextAt = now;
  }

  async flushDue(now = Date.now()): Promise<void> {
    if (this.nextAt === null || this.nextAt > now) return;
    // A lend that ran out without a confirmation: write the point here (idempotent, should the round have too).
    this.lent.reclaim();
    await this.flushNow();
  }

  /** Everything committed so far is in D1 when this resolves (or it throws: D1 failed; the points stay logged). */
  async flushNow(): Promise<void> {
    // A flush under way may have read the log before the caller's point was committed: flush again after it.
    if (this.running) await this.running.catch(() => undefined);
    if (this.log.unflushed === 0) {
      this.nextAt = null;
      return;
    }
    this.running = this.flush().finally(() => {
      this.running = undefined;
    });
    await this.running;
  }

  private async flush(): Promise<void> {
    // After a failure, one point at a time: a point D1 refuses is found, and the others still go.
    const batchSize = () => (this.failures > 0 ? 1 : FLUSH_BATCH);
    try {
      for (let rows = this.log.pointsToFlush(batchSize()); rows.length > 0; rows = this.log.pointsToFlush(batchSize())) {
        const points = rows.flatMap((row) => (row.point ? [row.point] : []));
        const raws = uniqueRaws(rows.flatMap((row) => (row.raw ? [row.raw] : [])));
        const result = await storePointRows(this.db, points, raws);
        this.stats.d1Queries += result.queries;
        this.stats.d1RowsWritten += result.rowsWritten;
        this.log.markFlushed(rows[rows.length - 1]!.seq);
        this.lent.doneThrough(rows[rows.length - 1]!.seq);
      }
      this.failures = 0;
      this.nextAt = this.log.unflushed > 0 ? Date.now() + this.intervalMs : null;
    } catch (error) {
      this.failures++;
      const [head] = this.log.pointsToFlush(1);
      if (this.failures > REFUSALS_BEFORE_SETTING_ASIDE && head) {
        await this.setAside(head, `D1 refused the point: ${String(error)}`);
        this.log.markFlushed(head.seq);
        this.failures = 1;
      }
      const delay = backoffDelay(this.failures, FLUSH_BACKOFF_BASE_MS, FLUSH_BACKOFF_CAP_MS);
      console.warn(`writing ${this.log.unflushed} points to D1 failed (attempt ${this.failures}); retrying in ${delay} ms: ${String(error)}`);
      this.nextAt = Date.now() + delay;
      throw error;
    }
  }
}

function uniqueRaws(raws: readonly RawResponseRow[]): RawResponseRow[] {
  return [...new Map(raws.map((raw) => [raw.id, raw])).values()];
}
