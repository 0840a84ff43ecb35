import type { PriceEvent } from "../schemas/price-event";

/**
 * The client's end of a stream, whatever carries it (SSE or WebSocket). Every method returns at once: nothing a
 * client does can make the feed wait. A channel bounds what it holds for its client and ends itself, saying why,
 * when the client falls too far behind.
 */
export interface ClientChannel {
  send(event: PriceEvent, json: string): void;
  /** Something to tell the client in words (how a resume went). */
  notice(text: string): void;
  /** Keeps proxies from closing an idle connection. */
  heartbeat(): void;
  /** End the client's stream, telling it why. */
  end(reason: string): void;
  /** Runs once when the stream has ended, whoever ended it (the client, the channel, the feed). */
  onEnded(listener: () => void): void;
}

/** Calls its listeners once, for a channel's end. */
export class EndSignal {
  private listeners: (() => void)[] = [];
  private fired = false;

  get ended(): boolean {
    return this.fired;
  }

  add(listener: () => void): void {
    if (this.fired) listener();
    else this.listeners.push(listener);
  }

  fire(): void {
    if (this.fired) return;
    this.fired = true;
    for (const listener of this.listeners.splice(0)) listener();
  }
}

/** Close a socket whatever state it is in (it may be closing already). */
export function closeQuietly(socket: WebSocket, code: number, reason: string): void {
  try {
    socket.close(code, closeReason(reason));
  } catch {
    // Already closed.
  }
}

/** A WebSocket close reason may hold at most 123 bytes of UTF-8. */
export function closeReason(reason: string): string {
  const bytes = new TextEncoder().encode(reason);
  if (bytes.length <= 123) return reason;
  return new TextDecoder().decode(bytes.slice(0, 120)).replace(/\uFFFD$/, "") + "...";
}
