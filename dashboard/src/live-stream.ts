import { readServerSentEvents } from "../../src/stream/sse-reader";
import { ApiFailure, authorization, PriceEventSchema, type PriceEvent } from "./api";
import type { StreamState } from "./probe";

export interface LiveStreamHandlers {
  /** The stream is live: from now on every new point arrives (sent once per connection). */
  onLive(): void;
  onEvent(event: PriceEvent): void;
  onState(state: StreamState, detail: string): void;
}

const RECONNECT_MS = 3_000;

/**
 * GET /prices/stream for one symbol, read with fetch rather than EventSource so it can send the API key, with
 * EventSource's manners: it reconnects after a drop, sending Last-Event-ID so the server replays what was missed.
 */
export class LiveStream {
  private readonly leave = new AbortController();
  private lastEventId: string | undefined;

  constructor(
    private readonly symbol: string,
    private readonly provider: string,
    private readonly handlers: LiveStreamHandlers,
  ) {
    void this.run();
  }

  stop(): void {
    this.leave.abort();
    this.handlers.onState("stopped", "not connected");
  }

  private async run(): Promise<void> {
    while (!this.leave.signal.aborted) {
      try {
        this.handlers.onState("connecting", "connecting…");
        await this.follow();
        if (!this.leave.signal.aborted) this.handlers.onState("connecting", "stream ended; reconnecting");
      } catch (error) {
        if (this.leave.signal.aborted) return;
        // An invalid request will stay invalid: say why and stop.
        if (error instanceof ApiFailure && error.status >= 400 && error.status < 500 && error.status !== 429) {
          this.handlers.onState("error", error.message);
          return;
        }
        this.handlers.onState("error", `${error instanceof Error ? error.message : String(error)}; reconnecting`);
      }
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
    }
  }

  private async follow(): Promise<void> {
    const query = new URLSearchParams({ symbols: this.symbol, provider: this.provider });
    const headers: Record<string, string> = { accept: "text/event-stream", ...authorization() };
    if (this.lastEventId !== undefined) headers["last-event-id"] = this.lastEventId;
    const response = await fetch(`/prices/stream?${query}`, { headers, signal: this.leave.signal });
    if (!response.ok || !response.body) {
      const body = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
      throw new ApiFailure(response.status, body?.error?.code ?? "stream_refused", body?.error?.message ?? `the stream answered ${response.status}`);
    }
    for await (const message of readServerSentEvents(response.body, this.leave.signal)) {
      if (message.kind === "comment") {
        if (message.text.startsWith("live:")) {
          this.handlers.onState("live", "live");
          this.handlers.onLive();
        }
      } else if (message.event === "price.updated") {
        const event = PriceEventSchema.safeParse(JSON.parse(message.data));
        if (!event.success) continue;
        this.lastEventId = message.id;
        this.handlers.onEvent(event.data);
      } else if (message.event === "stream.closed") {
        this.handlers.onState("connecting", `server closed the stream: ${message.data}`);
      }
    }
  }
}
