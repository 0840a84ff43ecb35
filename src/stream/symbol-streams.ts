import { tryParseJson } from "../wire/json";
import { ReplayRequestSchema, type ResumeAnswer } from "./protocol";
import { RETIRED_RECENT_EVENTS_TABLE, type RecentEvents } from "./recent-events";

/** Tag of stream sockets among the object's hibernatable WebSockets. */
const STREAM_TAG = "price-stream";

/**
 * What a socket needs to remember across hibernation (serializeAttachment): whether it receives live events
 * yet, and, while it waits for its replay, the newest event it has not been sent.
 */
interface SocketState {
  live: boolean;
  /** Events after this seq were published while the socket waited; its replay includes them. */
  waitingSince: number;
}

function stateOf(socket: WebSocket): SocketState {
  const state: unknown = socket.deserializeAttachment();
  if (typeof state === "object" && state !== null && "live" in state && "waitingSince" in state) {
    return { live: state.live === true, waitingSince: Number(state.waitingSince) };
  }
  // A socket without state was accepted live (older code, or no resume): treat it as live.
  return { live: true, waitingSince: 0 };
}

/**
 * The stream side of one symbol object: accepts stream sockets with the Hibernation API, replays recent events
 * (from the object's record of them) to resuming streams, and sends every new event to every live socket.
 * SymbolObject delegates to it from `fetch` (connect), `webSocketMessage`, `webSocketClose` and its commit of a
 * point (publish). See protocol.ts for the design.
 */
export class SymbolStreams {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly recent: RecentEvents,
  ) {
    ctx.storage.sql.exec(`DROP TABLE IF EXISTS ${RETIRED_RECENT_EVENTS_TABLE}`);
  }

  /**
   * A stream connection from the Worker: `GET /stream?max=<sockets>[&resume=<event id>]` with `Upgrade: websocket`.
   * At most `max` (the Worker's MAX_STREAMS_PER_SYMBOL) at once: every point is sent to each of them inside this
   * object, the symbol's single writer, so beyond that a new stream is refused (503, the Worker tells its client)
   * rather than slowing every write.
   */
  connect(request: Request): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("a stream connection is a WebSocket upgrade", { status: 426 });
    }
    const maxSockets = Number(new URL(request.url).searchParams.get("max") ?? Infinity);
    if (this.ctx.getWebSockets(STREAM_TAG).length >= maxSockets) {
      return new Response(`this symbol already has ${maxSockets} open streams (MAX_STREAMS_PER_SYMBOL)`, { status: 503 });
    }
    const resume = new URL(request.url).searchParams.get("resume");
    const { 0: client, 1: socket } = new WebSocketPair();
    this.ctx.acceptWebSocket(socket, [STREAM_TAG]);
    if (resume === null) {
      socket.serializeAttachment({ live: true, waitingSince: 0 } satisfies SocketState);
    } else {
      const found = this.recent.find(resume);
      if (found) {
        // The resume point is ours: replay what came after it and go live, in this one turn, so no event is
        // published in between.
        send(socket, { type: "stream.resume", found: true, recorded_at: found.recordedAt });
        for (const event of this.recent.replay(found.seq)) socket.send(event.json);
        socket.serializeAttachment({ live: true, waitingSince: 0 } satisfies SocketState);
      } else {
        socket.serializeAttachment({ live: false, waitingSince: this.recent.newestSeq } satisfies SocketState);
        send(socket, { type: "stream.resume", found: false, recorded_at: null });
      }
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  /** A new point was committed with its event (`json`, as the record of recent events holds it): send it to every live stream. */
  publish(json: string): void {
    for (const socket of this.ctx.getWebSockets(STREAM_TAG)) {
      if (!stateOf(socket).live) continue;
      try {
        // Queues and returns: a slow reader never holds up the poll that produced the event.
        socket.send(json);
      } catch {
        // A socket that is closing right now; webSocketClose releases it.
      }
    }
  }

  /** The Worker's replay request for a waiting socket (the only message a stream socket may send). */
  message(socket: WebSocket, message: string | ArrayBuffer): void {
    const text = typeof message === "string" ? message : new TextDecoder().decode(message);
    const parsed = ReplayRequestSchema.safeParse(tryParseJson(text));
    if (!parsed.success) {
      socket.close(1008, "a stream socket only sends stream.replay");
      return;
    }
    const state = stateOf(socket);
    if (state.live) return;
    for (const event of this.recent.replay(state.waitingSince, parsed.data.since)) socket.send(event.json);
    socket.serializeAttachment({ live: true, waitingSince: 0 } satisfies SocketState);
  }

  /** The Worker side went away (its client left, or its stream ended): complete the close handshake. */
  closed(socket: WebSocket): void {
    try {
      socket.close(1000, "stream closed");
    } catch {
      // Already closed (the runtime may have answered the close itself).
    }
  }
}

function send(socket: WebSocket, answer: ResumeAnswer): void {
  socket.send(JSON.stringify(answer));
}
