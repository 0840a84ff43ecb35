import type { PriceEvent } from "../schemas/price-event";
import { closeQuietly, EndSignal, type ClientChannel } from "./channel";
import { MAX_UNACKNOWLEDGED_EVENTS } from "./protocol";

/** Close codes a WebSocket client may see, and why. */
export const CLOSE_CLIENT_TOO_SLOW = 1008;
export const CLOSE_STREAM_ENDED = 1011;

/**
 * A WebSocket client's end of a stream. Messages are the events' JSON, `{"type":"heartbeat","at":…}` and
 * `{"type":"stream.notice","message":…}`; a client tells them apart by `type`.
 *
 * Flow control: workerd does not expose a WebSocket's send buffer (`bufferedAmount` is not implemented), so the
 * server cannot see a slow reader. Clients acknowledge instead: any message from the client (by convention
 * `{"type":"ack"}`) acknowledges everything sent so far. A client with MAX_UNACKNOWLEDGED_EVENTS events
 * unacknowledged is closed with 1008 and the reason, which bounds what one client can pile up in memory.
 */
export class WebSocketChannel implements ClientChannel {
  private unacknowledged = 0;
  private readonly ending = new EndSignal();

  constructor(
    private readonly socket: WebSocket,
    private readonly maxUnacknowledged = MAX_UNACKNOWLEDGED_EVENTS,
  ) {
    socket.accept();
    socket.addEventListener("message", () => {
      this.unacknowledged = 0;
    });
    socket.addEventListener("close", () => {
      // Complete the client's close handshake (a no-op where the runtime has answered it already).
      closeQuietly(socket, 1000, "bye");
      this.ending.fire();
    });
    socket.addEventListener("error", () => this.ending.fire());
  }

  send(_event: PriceEvent, json: string): void {
    if (this.ending.ended) return;
    if (this.unacknowledged >= this.maxUnacknowledged) {
      this.close(CLOSE_CLIENT_TOO_SLOW, `client too slow: ${this.maxUnacknowledged} events unacknowledged (send {"type":"ack"} as you read)`);
      return;
    }
    this.unacknowledged++;
    this.socket.send(json);
  }

  notice(text: string): void {
    if (!this.ending.ended) this.socket.send(JSON.stringify({ type: "stream.notice", message: text }));
  }

  heartbeat(): void {
    if (!this.ending.ended) this.socket.send(JSON.stringify({ type: "heartbeat", at: new Date().toISOString() }));
  }

  end(reason: string): void {
    this.close(CLOSE_STREAM_ENDED, reason);
  }

  onEnded(listener: () => void): void {
    this.ending.add(listener);
  }

  private close(code: number, reason: string): void {
    if (this.ending.ended) return;
    closeQuietly(this.socket, code, reason);
    this.ending.fire();
  }
}
