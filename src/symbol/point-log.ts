import type { PricePointRow, RawResponseRow } from "../store/prices";
import { RECENT_EVENTS } from "../stream/protocol";
import type { RecentEvent, RecentEvents } from "../stream/recent-events";

/**
 * Undelivered or unflushed points one symbol may hold. When the sink (or D1) has been down long enough to fill
 * it, the object takes no new points (polls answer 503) rather than drop any: nothing stored is ever left
 * unannounced or out of the history.
 */
export const OUTBOX_CAPACITY = 10_000;

const TABLE = "point_log";
/** Both cursors in one stored value: a round's confirmation moves both and costs one write. */
const KEY_CURSORS = "log.cursors";
/** Where earlier versions kept each cursor on its own; read when KEY_CURSORS is not there yet. */
const LEGACY_KEY_FLUSHED = "log.flushed-through";
const LEGACY_KEY_DELIVERED = "log.delivered-through";

/** How far the log went out: points written to D1, events acknowledged by the sink. */
export interface LogCursors {
  flushed: number;
  delivered: number;
}

/** One committed point as the log holds it. */
export interface LoggedPoint {
  /** Commit order within this object: event order, flush order. */
  seq: number;
  /** Quote time, epoch ms. */
  timestamp: number;
  /** The price.updated event's JSON; its delivery is what the outbox side of the log tracks. */
  event: string;
  /** The price_points row for D1; null for an event taken over from the D1 outbox (its point is there already). */
  point: PricePointRow | null;
  /** The raw answer the point came from, when the object fetched it itself (a batch round stores its own). */
  raw: RawResponseRow | null;
  /** When the object committed it, epoch ms. */
  loggedAt: number;
}

interface LogRow extends Record<string, SqlStorageValue> {
  seq: number;
  ts: number;
  event: string;
  point: string | null;
  raw: string | null;
  logged_at: number;
}

/**
 * The symbol object's own SQLite storage as the first durable home of every point and as its outbox: a point is
 * committed here, synchronously and in one transaction with its event, before anyone can see it. Two cursors say
 * how far the log went out: `flushedThrough` (points written to D1) and `deliveredThrough` (events acknowledged
 * by the sink). The log is a ring of OUTBOX_CAPACITY slots (slot = seq mod capacity) overwritten in place, so a
 * point costs one row written here and the log never grows past its bound. Its newest RECENT_EVENTS events are
 * also what a resuming stream replays (RecentEvents): the event streamed is the event committed, with no copy.
 */
export class PointLog implements RecentEvents {
  private nextSeq: number;
  private flushed: number;
  private delivered: number;
  private savePending = false;
  /** Cursors moved since they were last stored (by a log row or on their own). */
  private cursorsUnsaved = false;
  /** Hand-outs under way that will commit a row (holdCursorWrites). */
  private holds = 0;
  /** Rows written by this object's own SQL statements, for the write-cost figures (writeStats). */
  rowsWritten = 0;
  kvWrites = 0;

  constructor(
    private readonly sql: SqlStorage,
    private readonly kv: SyncKvStorage,
  ) {
    sql.exec(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (slot INTEGER PRIMARY KEY, seq INTEGER NOT NULL, ts INTEGER NOT NULL, event TEXT NOT NULL, point TEXT, raw TEXT, logged_at INTEGER NOT NULL)`,
    );
    // Logs of earlier versions have no cursor columns yet.
    if (sql.exec<{ n: number }>(`SELECT count(*) AS n FROM pragma_table_info('${TABLE}') WHERE name = 'flushed_through'`).one().n === 0) {
      sql.exec(`ALTER TABLE ${TABLE} ADD COLUMN flushed_through INTEGER`);
      sql.exec(`ALTER TABLE ${TABLE} ADD COLUMN delivered_through INTEGER`);
    }
    const newest = sql
      .exec<{ seq: number; flushed_through: number | null; delivered_through: number | null }>(
        `SELECT seq, flushed_through, delivered_through FROM ${TABLE} ORDER BY seq DESC LIMIT 1`,
      )
      .toArray()[0];
    this.nextSeq = (newest?.seq ?? 0) + 1;
    // Cursors only move forward: the newest of what the last log row carried and what was stored on its own.
    const stored = kv.get<LogCursors>(KEY_CURSORS);
    this.flushed = Math.max(newest?.flushed_through ?? 0, stored?.flushed ?? kv.get<number>(LEGACY_KEY_FLUSHED) ?? 0);
    this.delivered = Math.max(newest?.delivered_through ?? 0, stored?.delivered ?? kv.get<number>(LEGACY_KEY_DELIVERED) ?? 0);
  }

  get newestSeq(): number {
    return this.nextSeq - 1;
  }

  get deliveredThrough(): number {
    return this.delivered;
  }

  get flushedThrough(): number {
    return this.flushed;
  }

  /** Events not yet acknowledged by the sink. */
  get undelivered(): number {
    return this.newestSeq - this.delivered;
  }

  /** Points not yet written to D1. */
  get unflushed(): number {
    return this.newestSeq - this.flushed;
  }

  /** Whether one more point fits: its slot must hold nothing that still has to go out. */
  hasRoom(): boolean {
    return this.newestSeq - Math.min(this.flushed, this.delivered) < OUTBOX_CAPACITY;
  }

  /**
   * Commit one point and its event, with both cursors as they are now: a cursor moved in the same step (a
   * round's confirmation handed over with the quote) is stored by this row, not by a write of its own. The
   * caller checked hasRoom().
   */
  append(entry: Omit<LoggedPoint, "seq">): number {
    const seq = this.nextSeq++;
    const cursor = this.sql.exec(
      `INSERT INTO ${TABLE} (slot, seq, ts, event, point, raw, logged_at, flushed_through, delivered_through) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (slot) DO UPDATE SET seq = excluded.seq, ts = excluded.ts, event = excluded.event, point = excluded.point,
         raw = excluded.raw, logged_at = excluded.logged_at, flushed_through = excluded.flushed_through, delivered_through = excluded.delivered_through`,
      seq % OUTBOX_CAPACITY,
      seq,
      entry.timestamp,
      entry.event,
      entry.point === null ? null : JSON.stringify(entry.point),
      entry.raw === null ? null : JSON.stringify(entry.raw),
      entry.loggedAt,
      this.flushed,
      this.delivered,
    );
    this.rowsWritten += cursor.rowsWritten;
    this.cursorsUnsaved = false;
    return seq;
  }

  /**
   * While held (a hand-out that confirms and then commits), moved cursors wait for the next log row instead of
   * a write of their own; the last release writes them if no row did.
   */
  holdCursorWrites(): void {
    this.holds++;
  }

  releaseCursorWrites(): void {
    this.holds--;
    if (this.holds === 0) this.saveCursors();
  }

  /** The oldest events after the delivery cursor, in commit order. */
  eventsToDeliver(limit: number): LoggedPoint[] {
    return this.after(this.delivered, limit);
  }

  /** The oldest points after the flush cursor, in commit order. */
  pointsToFlush(limit: number): LoggedPoint[] {
    return this.after(this.flushed, limit);
  }

  markDelivered(throughSeq: number): void {
    if (throughSeq <= this.delivered) return;
    this.delivered = throughSeq;
    this.cursorsUnsaved = true;
    this.saveCursors();
  }

  markFlushed(throughSeq: number): void {
    if (throughSeq <= this.flushed) return;
    this.flushed = throughSeq;
    this.cursorsUnsaved = true;
    this.saveCursors();
  }

  /**
   * Store both cursors once the current synchronous step is done (unless a log row took them meanwhile), so that
   * moving both is one write. Still inside the step's implicit transaction: nothing the step answers leaves the
   * object before it is stored.
   */
  private saveCursors(): void {
    if (this.savePending || this.holds > 0 || !this.cursorsUnsaved) return;
    this.savePending = true;
    queueMicrotask(() => {
      this.savePending = false;
      if (this.holds > 0 || !this.cursorsUnsaved) return;
      this.kv.put(KEY_CURSORS, { flushed: this.flushed, delivered: this.delivered } satisfies LogCursors);
      this.cursorsUnsaved = false;
      this.kvWrites++;
    });
  }

  /** When the oldest undelivered event was committed; undefined when all are delivered. */
  oldestUndeliveredAt(): number | undefined {
    return this.eventsToDeliver(1)[0]?.loggedAt;
  }

  /** Every point the log still holds (delivered and flushed ones too, until their slot is reused), newest quote first. */
  newestPoints(limit: number): LoggedPoint[] {
    return this.rows(`SELECT seq, ts, event, point, raw, logged_at FROM ${TABLE} ORDER BY ts DESC LIMIT ?`, limit);
  }

  find(eventId: string): RecentEvent | undefined {
    return this.recentEvents("json_extract(event, '$.event_id') = ?", eventId)[0];
  }

  replay(afterSeq: number, since: number | null = null): RecentEvent[] {
    return this.recentEvents("(seq > ? OR logged_at >= ?)", afterSeq, since ?? Number.MAX_SAFE_INTEGER);
  }

  /**
   * Of the newest RECENT_EVENTS streamed events, those matching `condition`, in commit order. Events taken over
   * from an earlier version's D1 outbox (no point) were never streamed, so they are never replayed.
   */
  private recentEvents(condition: string, ...bindings: SqlStorageValue[]): RecentEvent[] {
    const slotsOf = slotsHolding(this.newestSeq - RECENT_EVENTS + 1, this.newestSeq);
    return this.sql
      .exec<{ seq: number; event_id: string; event: string; logged_at: number }>(
        `SELECT seq, json_extract(event, '$.event_id') AS event_id, event, logged_at FROM ${TABLE}
         WHERE ${slotsOf.condition} AND seq > ? AND point IS NOT NULL AND ${condition} ORDER BY seq`,
        ...slotsOf.bindings,
        this.newestSeq - RECENT_EVENTS,
        ...bindings,
      )
      .toArray()
      .map((row) => ({ seq: row.seq, eventId: row.event_id, recordedAt: row.logged_at, json: row.event }));
  }

  /** The `limit` points after `seq`: seqs are consecutive, so they sit in one run of slots (read by the key, not a scan of the ring). */
  private after(seq: number, limit: number): LoggedPoint[] {
    const slotsOf = slotsHolding(seq + 1, Math.min(this.newestSeq, seq + limit));
    return this.rows(`SELECT seq, ts, event, point, raw, logged_at FROM ${TABLE} WHERE ${slotsOf.condition} AND seq > ? ORDER BY seq LIMIT ?`, ...slotsOf.bindings, seq, limit);
  }

  private rows(query: string, ...bindings: SqlStorageValue[]): LoggedPoint[] {
    return this.sql
      .exec<LogRow>(query, ...bindings)
      .toArray()
      .map((row) => ({
        seq: row.seq,
        timestamp: row.ts,
        event: row.event,
        point: row.point === null ? null : (JSON.parse(row.point) as PricePointRow),
        raw: row.raw === null ? null : (JSON.parse(row.raw) as RawResponseRow),
        loggedAt: row.logged_at,
      }));
  }
}

/**
 * The slots of seqs `fromSeq`..`toSeq` as a condition on the ring's key: one range, or two where the ring wraps
 * (none when the run is empty; all when it spans the ring).
 */
function slotsHolding(fromSeq: number, toSeq: number): { condition: string; bindings: number[] } {
  const from = Math.max(fromSeq, 1);
  if (toSeq < from) return { condition: "0", bindings: [] };
  if (toSeq - from + 1 >= OUTBOX_CAPACITY) return { condition: "1", bindings: [] };
  const first = from % OUTBOX_CAPACITY;
  const last = toSeq % OUTBOX_CAPACITY;
  return first <= last ? { condition: "slot BETWEEN ? AND ?", bindings: [first, last] } : { condition: "(slot >= ? OR slot <= ?)", bindings: [first, last] };
}
