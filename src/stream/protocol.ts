/**
 * src/stream/ owns live prices: SSE and WebSocket streams, fanned out by the symbol objects.
 *
 * Live prices: how a client's stream is put together, and what the Worker and a symbol object say to each other.
 *
 * Design (why it looks like this):
 *   - The symbol object is where a new point and its `price.updated` event are first known (SymbolObject.record),
 *     so it is the fan-out point: it sends each new event to every stream connected to it, and never awaits a
 *     client (WebSocket `send` only queues), so a slow or vanished client cannot slow polling.
 *   - Every stream connection to a symbol object is an internal WebSocket that the object accepts with the
 *     Hibernation API (`ctx.acceptWebSocket`). Between two prices the object can be evicted from memory while its
 *     sockets stay open: idle streams cost the object nothing, whether they serve one client or thousands.
 *   - The Worker terminates the client's connection (SSE, or a WebSocket when the client asks to upgrade) and
 *     merges that client's internal sockets, one per symbol (at most MAX_STREAM_SYMBOLS). The Worker is billed
 *     for CPU, not for wall time, so holding an idle client costs nothing there either; and everything that is
 *     per client — heartbeats, the bounded buffer, the overflow close — happens in the Worker, so heartbeats
 *     never wake a hibernating object.
 *   - No hub object: a hub would hold the same sockets but would need a durable list of subscriptions in every
 *     symbol object (and its clean-up when a hub dies), plus a wake-up of the hub per event. The Worker merge
 *     has no state to lose: when anything upstream goes away the client's stream ends, and the client resumes.
 *
 * Resume (Last-Event-ID): a price point in D1 keeps only its event's id (not the event as it was sent), so each
 * symbol object replays from its own point log, which holds every event exactly as it was committed and streamed
 * (recent-events.ts says what a replay needs; src/symbol/point-log.ts provides it), as far back as its last
 * RECENT_EVENTS events. A resumed stream opens its sockets with `resume=<event id>`:
 *   - the object that holds that event replays what it recorded after it, then streams live;
 *   - every other object answers "not found" and waits; once the Worker has every answer it tells them to
 *     replay what they recorded since (the found event's recorded time − RESUME_OVERLAP_MS), then go live.
 *     Events recorded while a socket waits are part of that replay, so nothing falls between replay and live.
 * Replay is at least once, like the Kafka events: around the resume point a few events of other symbols may
 * come again (clients dedupe on event_id). An event no object holds any more resumes nothing: the stream says
 * so in a comment and goes on live.
 */
import { z } from "zod";
import type { ProviderName } from "../providers/provider";
import { PriceEventSchema } from "../schemas/price-event";

/** Symbols one stream may follow: one internal socket each, within a Worker invocation's subrequest budget. */
export const MAX_STREAM_SYMBOLS = 50;

/** Events each symbol object keeps for resuming streams (about 16 minutes of a 1-second job). */
export const RECENT_EVENTS = 1_000;

/** How far before the resume point other symbols replay: covers their events still in flight at disconnect. */
export const RESUME_OVERLAP_MS = 2_000;

/** Heartbeat comments keep proxies from closing an idle stream; clients may ask for a shorter period. */
export const DEFAULT_HEARTBEAT_SECONDS = 15;

/** Messages (events, heartbeats) one SSE client may have waiting to be sent; beyond that it is too slow and is dropped. */
export const MAX_BUFFERED_MESSAGES = 500;

/** Events a WebSocket client may have unacknowledged (workerd cannot see a WebSocket's send buffer). */
export const MAX_UNACKNOWLEDGED_EVENTS = 1_000;

/** How long a resumed stream waits for every symbol object to say whether it holds the resume point. */
export const RESUME_ANSWER_TIMEOUT_MS = 10_000;

/** The URL a stream connection to a symbol object is made on (never reachable from outside the Worker). */
export const SYMBOL_STREAM_URL = "https://symbol-object.internal/stream";

/** What a client's stream follows. */
export interface StreamRequest {
  provider: ProviderName;
  symbols: string[];
  /** The event_id of the last event the client has (Last-Event-ID), to resume after it. */
  resumeAfter: string | undefined;
  heartbeatSeconds: number;
}

/** symbol object → Worker, once, on a socket opened with `resume`: whether it holds the resume point. */
export const ResumeAnswerSchema = z.object({
  type: z.literal("stream.resume"),
  found: z.boolean(),
  /** When the object recorded the resume point, epoch ms; null when not found. */
  recorded_at: z.number().int().nullable(),
});
export type ResumeAnswer = z.infer<typeof ResumeAnswerSchema>;

/** Worker → symbol object, to a socket waiting after "not found": replay since then, and go live. */
export const ReplayRequestSchema = z.object({
  type: z.literal("stream.replay"),
  /** Epoch ms; null replays only what was recorded while the socket waited. */
  since: z.number().int().nullable(),
});
export type ReplayRequest = z.infer<typeof ReplayRequestSchema>;

/** Everything a symbol object sends on a stream socket. */
export const SymbolObjectMessageSchema = z.discriminatedUnion("type", [PriceEventSchema, ResumeAnswerSchema]);
