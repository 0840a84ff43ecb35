import { RECENT_EVENTS } from "./protocol";

const TABLE = "stream_recent_events";

/** One event as a symbol object published it to its streams. */
export interface RecentEvent {
  /** Publication order within this object. */
  seq: number;
  eventId: string;
  /** When the object published it, epoch ms. */
  recordedAt: number;
  /** The event's JSON, exactly as it was streamed. */
  json: string;
}

/**
 * The last RECENT_EVENTS events of one symbol object, in the object's own SQLite storage, so a stream can resume
 * after an event id (see protocol.ts). Older events are dropped as new ones come: resuming further back is
 * what /prices/history is for.
 */
export class RecentEvents {
  private created = false;

  constructor(private readonly sql: SqlStorage) {}

  append(eventId: string, recordedAt: number, json: string): void {
    this.ensureTable();
    const { seq } = this.sql
      .exec<{ seq: number }>(`INSERT INTO ${TABLE} (event_id, recorded_at, json) VALUES (?, ?, ?) RETURNING seq`, eventId, recordedAt, json)
      .one();
    this.sql.exec(`DELETE FROM ${TABLE} WHERE seq <= ?`, seq - RECENT_EVENTS);
  }

  find(eventId: string): RecentEvent | undefined {
    this.ensureTable();
    return this.rows(`SELECT seq, event_id, recorded_at, json FROM ${TABLE} WHERE event_id = ?`, eventId)[0];
  }

  /** The newest seq (0 when none): a socket that waits remembers it, to replay what came after. */
  newestSeq(): number {
    this.ensureTable();
    return this.sql.exec<{ seq: number | null }>(`SELECT max(seq) AS seq FROM ${TABLE}`).one().seq ?? 0;
  }

  /** Events published after `seq`, or at or after `since` (epoch ms, when given), oldest first. */
  replay(afterSeq: number, since: number | null = null): RecentEvent[] {
    this.ensureTable();
    return this.rows(
      `SELECT seq, event_id, recorded_at, json FROM ${TABLE} WHERE seq > ? OR recorded_at >= ? ORDER BY seq`,
      afterSeq,
      since ?? Number.MAX_SAFE_INTEGER,
    );
  }

  private rows(query: string, ...bindings: (string | number)[]): RecentEvent[] {
    return this.sql
      .exec<{ seq: number; event_id: string; recorded_at: number; json: string }>(query, ...bindings)
      .toArray()
      .map((row) => ({ seq: row.seq, eventId: row.event_id, recordedAt: row.recorded_at, json: row.json }));
  }

  /** Created on first use, so an object that never recorded a price keeps no table. */
  private ensureTable(): void {
    if (this.created) return;
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, recorded_at INTEGER NOT NULL, json TEXT NOT NULL)`,
    );
    this.created = true;
  }
}
