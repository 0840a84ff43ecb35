/** A minimal Server-Sent Events client for the stream case: one connection of its own, events timed on arrival. */
import { request, type ClientRequest } from "node:http";

export interface ReceivedEvent {
  id: string;
  /** emitted_at of the price event, epoch ms. */
  emittedAt: number;
  /** The price's quote time, epoch ms (for binance: when the Worker received the provider's answer). */
  quotedAt: number;
  receivedAt: number;
}

export class SseClient {
  readonly events: ReceivedEvent[] = [];
  /** The server ended the stream with `event: stream.closed`; its data. */
  closedWith: string | undefined;
  error: string | undefined;
  /** Resolves once the response headers arrived (or the connection failed: see `error`). */
  readonly ready: Promise<void>;
  private buffer = "";
  private readonly request: ClientRequest;

  constructor(url: string) {
    let settle: () => void = () => undefined;
    this.ready = new Promise((resolve) => (settle = resolve));
    this.request = request(url, { agent: false, headers: { accept: "text/event-stream" } }, (response) => {
      if (response.statusCode !== 200) this.error = `HTTP ${response.statusCode ?? "?"}`;
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => this.receive(chunk));
      response.on("error", (error) => (this.error ??= error.message));
      settle();
    });
    this.request.on("error", (error) => {
      this.error ??= error.message;
      settle();
    });
    this.request.end();
  }

  close(): void {
    this.request.destroy();
  }

  private receive(chunk: string): void {
    const receivedAt = Date.now();
    this.buffer += chunk.replace(/\r\n?/g, "\n");
    let end = this.buffer.indexOf("\n\n");
    while (end !== -1) {
      this.dispatch(this.buffer.slice(0, end), receivedAt);
      this.buffer = this.buffer.slice(end + 2);
      end = this.buffer.indexOf("\n\n");
    }
  }

  private dispatch(block: string, receivedAt: number): void {
    const fields = new Map<string, string>();
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
    }
    const event = fields.get("event");
    const data = fields.get("data") ?? "";
    if (event === "stream.closed") this.closedWith = data;
    if (event !== "price.updated") return;
    const parsed = JSON.parse(data) as { event_id: string; emitted_at: string; timestamp: string };
    this.events.push({ id: parsed.event_id, emittedAt: Date.parse(parsed.emitted_at), quotedAt: Date.parse(parsed.timestamp), receivedAt });
  }
}
