import type { Subscription, Subscriptions } from "../jobs/subscriptions";

/** A due time further ahead than this is stored as it is set; a nearer one only lives in memory (see below). */
export const STORE_DUE_BEYOND_MS = 30_000;

interface SymbolRow extends Record<string, SqlStorageValue> {
  symbol: string;
  due_at: number;
  quarantined: number;
}

/**
 * The symbols a provider's coordinator polls in batch rounds, as rows of the object's own SQLite storage:
 * one row per job × symbol (which job needs it, how often), one per symbol (when it is due, whether the
 * provider called it unknown). Rows rather than one stored value, so 1,000 jobs × 100 symbols stay far from
 * any value size limit and a subscribe writes only its own rows.
 *
 * Every round moves every polled symbol's due time, so only what matters after a restart is written: a change
 * of quarantine, and due times further ahead than STORE_DUE_BEYOND_MS (backoff, quarantine, long intervals).
 * Nearer ones are kept in memory over the stored (earlier) ones: a coordinator that restarts finds those
 * symbols due at once and polls them a little early, instead of writing a row per symbol per round.
 */
export class BatchSymbols {
  /** Due times newer than the stored ones, not written (they are near). */
  private readonly nearDue = new Map<string, number>();

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS subscriptions (
      symbol TEXT NOT NULL,
      job_id TEXT NOT NULL,
      interval INTEGER NOT NULL,
      pinned INTEGER NOT NULL,
      PRIMARY KEY (symbol, job_id)
    )`);
    sql.exec("CREATE INDEX IF NOT EXISTS subscriptions_by_job ON subscriptions (job_id)");
    sql.exec(`CREATE TABLE IF NOT EXISTS symbols (
      symbol TEXT PRIMARY KEY,
      due_at INTEGER NOT NULL,
      quarantined INTEGER NOT NULL DEFAULT 0
    )`);
    // No index on due_at: every round rewrites every polled symbol's due time, and an index would double the rows
    // each round writes; finding the due ones scans at most a few thousand rows once a round.
    sql.exec("DROP INDEX IF EXISTS symbols_by_due");
  }

  /** A job needs these symbols polled (idempotent: a repeated subscribe changes only its own settings). */
  subscribe(jobId: string, symbols: readonly string[], subscription: Subscription, now: number): void {
    const list = JSON.stringify(symbols);
    this.sql.exec(
      `INSERT INTO subscriptions (symbol, job_id, interval, pinned) SELECT value, ?, ?, ? FROM json_each(?) WHERE true
       ON CONFLICT (symbol, job_id) DO UPDATE SET interval = excluded.interval, pinned = excluded.pinned`,
      jobId,
      subscription.interval,
      subscription.pinned ? 1 : 0,
      list,
    );
    this.sql.exec("INSERT INTO symbols (symbol, due_at) SELECT value, ? FROM json_each(?) WHERE true ON CONFLICT (symbol) DO NOTHING", now, list);
  }

  unsubscribe(jobId: string, symbols: readonly string[]): void {
    this.sql.exec("DELETE FROM subscriptions WHERE job_id = ? AND symbol IN (SELECT value FROM json_each(?))", jobId, JSON.stringify(symbols));
    this.forgetUnneeded();
  }

  /** Drop every subscription of these jobs (they stopped without unsubscribing). */
  dropJobs(jobIds: ReadonlySet<string>): void {
    if (jobIds.size === 0) return;
    this.sql.exec("DELETE FROM subscriptions WHERE job_id IN (SELECT value FROM json_each(?))", JSON.stringify([...jobIds]));
    this.forgetUnneeded();
  }

  jobIds(): string[] {
    return this.sql.exec<{ job_id: string }>("SELECT DISTINCT job_id FROM subscriptions").toArray().map((row) => row.job_id);
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM symbols").one().n;
  }

  /** Symbols due by `now`, oldest first, with when each was due: the ones to batch, and the quarantined ones (asked alone). */
  due(now: number): { dueAt: Map<string, number>; batchable: string[]; quarantined: string[] } {
    const rows = this.schedules()
      .filter((row) => row.due_at <= now)
      .sort((a, b) => a.due_at - b.due_at || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    const due = { dueAt: new Map<string, number>(), batchable: [] as string[], quarantined: [] as string[] };
    for (const row of rows) {
      due.dueAt.set(row.symbol, row.due_at);
      (row.quarantined ? due.quarantined : due.batchable).push(row.symbol);
    }
    return due;
  }

  earliestDue(): number | null {
    let earliest: number | null = null;
    for (const { due_at: dueAt } of this.schedules()) if (earliest === null || dueAt < earliest) earliest = dueAt;
    return earliest;
  }

  /** Each symbol's subscriptions (empty for a symbol no job needs any more). */
  subscriptionsOf(symbols: readonly string[]): Map<string, Subscriptions> {
    const bySymbol = new Map<string, Subscriptions>(symbols.map((symbol) => [symbol, {}]));
    const rows = this.sql.exec<{ symbol: string; job_id: string; interval: number; pinned: number }>(
      "SELECT symbol, job_id, interval, pinned FROM subscriptions WHERE symbol IN (SELECT value FROM json_each(?))",
      JSON.stringify(symbols),
    );
    for (const row of rows) {
      const subscriptions = bySymbol.get(row.symbol);
      if (subscriptions) subscriptions[row.job_id] = { interval: row.interval, pinned: row.pinned === 1 };
    }
    return bySymbol;
  }

  /** When each of these symbols is due next, and whether it is quarantined (asked alone, rarely). */
  schedule(entries: readonly { symbol: string; dueAt: number; quarantined: boolean }[], now: number): void {
    const stored = new Map(this.sql.exec<SymbolRow>("SELECT symbol, due_at, quarantined FROM symbols").toArray().map((row) => [row.symbol, row]));
    const lasting = entries.filter(({ symbol, dueAt, quarantined }) => {
      const row = stored.get(symbol);
      if (!row) return false;
      const keep = quarantined !== (row.quarantined === 1) || dueAt - now > STORE_DUE_BEYOND_MS;
      if (keep) this.nearDue.delete(symbol);
      else this.nearDue.set(symbol, dueAt);
      return keep;
    });
    if (lasting.length === 0) return;
    this.sql.exec(
      `UPDATE symbols SET due_at = json_extract(entry.value, '$.dueAt'), quarantined = json_extract(entry.value, '$.quarantined')
       FROM json_each(?) AS entry WHERE symbols.symbol = json_extract(entry.value, '$.symbol')`,
      JSON.stringify(lasting.map((entry) => ({ ...entry, quarantined: entry.quarantined ? 1 : 0 }))),
    );
  }

  /** Every symbol with its due time: the near one from memory where there is one, else the stored one. */
  private schedules(): SymbolRow[] {
    return this.sql
      .exec<SymbolRow>("SELECT symbol, due_at, quarantined FROM symbols")
      .toArray()
      .map((row) => ({ ...row, due_at: this.nearDue.get(row.symbol) ?? row.due_at }));
  }

  private forgetUnneeded(): void {
    this.sql.exec("DELETE FROM symbols WHERE symbol NOT IN (SELECT symbol FROM subscriptions)");
    const kept = new Set(this.sql.exec<{ symbol: string }>("SELECT symbol FROM symbols").toArray().map((row) => row.symbol));
    for (const symbol of this.nearDue.keys()) if (!kept.has(symbol)) this.nearDue.delete(symbol);
  }
}
