import type { PriceEvent } from "../schemas/price-event";
import { EndSignal, type ClientChannel } from "./channel";
import { MAX_BUFFERED_MESSAGES } from "./protocol";

/** How long an EventSource waits before it reconnects (with Last-Event-ID) after the stream ends. */
export const SSE_RETRY_MS = 3_000;

export const SSE_HEADERS: Record<string, string> = {
  "content-type": "text/event-stream; charset=utf-8",
  // Proxies must neither cache nor buffer a live stream.
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};

/** The event that tells an SSE client why the server ended its stream, just before it ends. */
export const STREAM_CLOSED_EVENT = "stream.closed";

const encoder = new TextEncoder();

/** One SSE event. `data` must be one line, as JSON.stringify's output is. */
export function sseEvent(fields: { id?: string; event: string; data: string }): string {
  return `${fields.id === undefined ? "" : `id: ${fields.id}\n`}event: ${fields.event}\ndata: ${fields.data}\n\n`;
}

/** A comment: ignored by EventSource, readable in curl, and enough to keep a connection busy. */
export function sseComment(text: string): string {
  return `${text
    .split(/\r\n|\r|\n/)
    .map((line) => `: ${line}`)
    .join("\n")}\n\n`;
}

/**
 * An SSE client's end of a stream: a response body whose queue holds at most `maxBuffered` frames. The runtime
 * takes frames from it as fast as the client reads, so a full queue means the client is not reading: it gets a
 * `stream.closed` event with the reason and the stream ends (an EventSource then reconnects and resumes).
 */
export class SseChannel implements ClientChannel {
  readonly body: ReadableStream<Uint8Array>;
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private readonly ending = new EndSignal();

  constructor(private readonly maxBuffered = MAX_BUFFERED_MESSAGES) {
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        // The client went away.
        cancel: () => this.ending.fire(),
      },
      new CountQueuingStrategy({ highWaterMark: maxBuffered }),
    );
    this.write(`retry: ${SSE_RETRY_MS}\n\n`);
  }

  send(event: PriceEvent, json: string): void {
    if (this.ending.ended) return;
    if (!this.hasRoom()) {
      this.end(`client too slow: ${this.maxBuffered} messages were waiting to be sent; reconnect with Last-Event-ID to resume`);
      return;
    }
    this.write(sseEvent({ id: event.event_id, event: event.type, data: json }));
  }

  notice(text: string): void {
    if (!this.ending.ended && this.hasRoom()) this.write(sseComment(text));
  }

  heartbeat(): void {
    // A client with a full queue has data waiting already; a heartbeat would only add to it.
    if (!this.ending.ended && this.hasRoom()) this.write(sseComment("heartbeat"));
  }

  end(reason: string): void {
    if (this.ending.ended) return;
    this.write(sseEvent({ event: STREAM_CLOSED_EVENT, data: JSON.stringify({ reason }) }));
    this.controller?.close();
    this.ending.fire();
  }

  onEnded(listener: () => void): void {
    this.ending.add(listener);
  }

  private hasRoom(): boolean {
    return (this.controller?.desiredSize ?? 0) > 0;
  }

  private write(frame: string): void {
    this.controller?.enqueue(encoder.encode(frame));
  }
}
