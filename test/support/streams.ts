/** Clients of GET /prices/stream for tests: SSE read with the service's own reader, WebSocket through SELF. */
import { SELF } from "cloudflare:test";
import { vi } from "vitest";
import { PriceEventSchema, type PriceEvent } from "../../src/schemas/price-event";
import { readServerSentEvents, type ServerSentMessage } from "../../src/stream/sse-reader";
import { BASE } from "./api";

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/** An open SSE stream, read in the background: everything that arrived so far, and a way to wait for more. */
export interface SseClient {
  response: Response;
  events: SseEvent[];
  comments: string[];
  /** The `price.updated` events so far, parsed with the event schema. */
  priceEvents(): PriceEvent[];
  /** Wait until `count` price events have arrived. */
  waitForPriceEvents(count: number, timeout?: number): Promise<PriceEvent[]>;
  waitForComment(pattern: RegExp, timeout?: number): Promise<string>;
  /** Whether the server ended the stream. */
  ended(): boolean;
  /** Leave, as a client that closes its connection does. */
  close(): Promise<void>;
}

export async function openSse(path: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const response = await SELF.fetch(`${BASE}${path}`, { headers: { accept: "text/event-stream", ...headers } });
  if (response.status !== 200 || !response.body) {
    throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
  }
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let finished = false;
  const leave = new AbortController();
  const messages = readServerSentEvents(response.body, leave.signal);
  const reading = (async () => {
    try {
      for await (const message of messages as AsyncIterable<ServerSentMessage>) {
        if (message.kind === "comment") comments.push(message.text);
        else events.push({ id: message.id, event: message.event, data: message.data });
      }
    } catch {
      // The client closed its end.
    } finally {
      finished = true;
    }
  })();
  const priceEvents = () => events.filter((event) => event.event === "price.updated").map((event) => PriceEventSchema.parse(JSON.parse(event.data)));
  return {
    response,
    events,
    comments,
    priceEvents,
    waitForPriceEvents: (count, timeout = 10_000) => waitForCount(priceEvents, count, timeout),
    waitForComment: (pattern, timeout = 5_000) =>
      vi.waitFor(
        () => {
          const comment = comments.find((text) => pattern.test(text));
          if (comment === undefined) throw new Error(`no comment like ${pattern} among ${JSON.stringify(comments)}`);
          return comment;
        },
        { timeout, interval: 50 },
      ),
    ended: () => finished,
    close: async () => {
      leave.abort();
      await reading;
    },
  };
}

/** An open WebSocket stream: the messages so far, parsed as JSON. */
export interface WebSocketClient {
  socket: WebSocket;
  messages: { type: string }[];
  priceEvents(): PriceEvent[];
  waitForPriceEvents(count: number, timeout?: number): Promise<PriceEvent[]>;
  closed: Promise<CloseEvent>;
}

/** `new WebSocket` does not exist in workerd tests: upgrade through SELF.fetch and accept the client end. */
export async function openWebSocket(path: string): Promise<WebSocketClient> {
  const response = await SELF.fetch(`${BASE}${path}`, { headers: { upgrade: "websocket" } });
  const socket = response.webSocket;
  if (response.status !== 101 || !socket) throw new Error(`GET ${path} with Upgrade answered ${response.status}: ${await response.text()}`);
  socket.accept();
  const messages: { type: string }[] = [];
  socket.addEventListener("message", (message) => {
    messages.push(JSON.parse(String(message.data)) as { type: string });
  });
  const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener("close", resolve));
  const priceEvents = () => messages.filter((message) => message.type === "price.updated").map((message) => PriceEventSchema.parse(message));
  return {
    socket,
    messages,
    priceEvents,
    waitForPriceEvents: (count, timeout = 10_000) => waitForCount(priceEvents, count, timeout),
    closed,
  };
}

/** Wait until `read` returns at least `count` price events. */
function waitForCount(read: () => PriceEvent[], count: number, timeout: number): Promise<PriceEvent[]> {
  return vi.waitFor(
    () => {
      const received = read();
      if (received.length < count) throw new Error(`${received.length}/${count} price events so far`);
      return received;
    },
    { timeout, interval: 50 },
  );
}
