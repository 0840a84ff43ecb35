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
 * The last RECENT_EVENTS events one symbol object published, so a stream can resume after an event id (see
 * protocol.ts). The symbol object's point log is that record (src/symbol/point-log.ts): every event is committed
 * there with its point before it is streamed, so resuming needs no second copy of it. Resuming further back is
 * what /prices/history is for.
 */
export interface RecentEvents {
  /** The newest publication seq (0 when none): a socket that waits remembers it, to replay what came after. */
  readonly newestSeq: number;
  /** The event with this id, when it is among the last RECENT_EVENTS. */
  find(eventId: string): RecentEvent | undefined;
  /** Of the last RECENT_EVENTS, those published after `afterSeq`, or at or after `since` (epoch ms), oldest first. */
  replay(afterSeq: number, since?: number | null): RecentEvent[];
}

/** Where earlier versions kept a second copy of each streamed event; dropped once the point log serves resumes. */
export const RETIRED_RECENT_EVENTS_TABLE = "stream_recent_events";
