/**
 * A slow client is dropped, never waited for. These drive the two client channels directly, with a tiny bound,
 * since a real network's buffers would take thousands of events to fill.
 */
import { describe, expect, it } from "vitest";
import { priceUpdated } from "../../src/events/price-events";
import type { PriceEvent } from "../../src/schemas/price-event";
import { readServerSentEvents, type ServerSentMessage } from "../../src/stream/sse-reader";
import { SseChannel } from "../../src/stream/sse";
import { CLOSE_CLIENT_TOO_SLOW, WebSocketChannel } from "../../src/stream/websocket-channel";
import { eventually } from "../support/jobs";

function event(second: number): PriceEvent {
  return priceUpdated({ symbol: "SLOW", provider: "synthetic", price: 100 + second, timestamp: second * 1000 }, "raw-1");
}

async function readAll(body: ReadableStream<Uint8Array>): Promise<ServerSentMessage[]> {
  const messages: ServerSentMessage[] = [];
  for await (const message of readServerSentEvents(body)) messages.push(message);
  return messages;
}

describe("an SSE client that does not read", () => {
  it("is sent stream.closed with the reason once its buffer is full, and its stream ends", async () => {
    const channel = new SseChannel(5);
    let ended = false;
    channel.onEnded(() => {
      ended = true;
    });
    for (let second = 1; second <= 20; second++) channel.send(event(second), JSON.stringify(event(second)));
    expect(ended).toBe(true);

    const messages = await readAll(channel.body);
    const events = messages.filter((message) => message.kind === "event");
    expect(events.filter((message) => message.event === "price.updated").length).toBeLessThan(5);
    expect(events.at(-1)).toMatchObject({ event: "stream.closed", data: expect.stringContaining("client too slow: 5 messages were waiting") });
  });

  it("that reads as events come gets them all, however small its buffer", async () => {
    const channel = new SseChannel(2);
    const reading = readAll(channel.body);
    for (let second = 1; second <= 20; second++) {
      channel.send(event(second), JSON.stringify(event(second)));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    channel.end("done");
    const events = (await reading).filter((message) => message.kind === "event");
    expect(events.filter((message) => message.event === "price.updated")).toHaveLength(20);
    expect(events.at(-1)).toMatchObject({ event: "stream.closed", data: JSON.stringify({ reason: "done" }) });
  });
});

/** A WebSocket channel that allows 3 unacknowledged events, and its client, which records what it receives. */
function webSocketClient({ acknowledges }: { acknowledges: boolean }) {
  const { 0: client, 1: server } = new WebSocketPair();
  const channel = new WebSocketChannel(server, 3);
  client.accept();
  const received: string[] = [];
  client.addEventListener("message", (message) => {
    received.push(String(message.data));
    if (acknowledges) client.send(JSON.stringify({ type: "ack" }));
  });
  return { client, channel, received };
}

describe("a WebSocket client that does not acknowledge", () => {
  it("is closed with 1008 and the reason after the limit of unacknowledged events", async () => {
    const { client, channel, received } = webSocketClient({ acknowledges: false });
    const closed = new Promise<CloseEvent>((resolve) => client.addEventListener("close", resolve));

    for (let second = 1; second <= 5; second++) channel.send(event(second), JSON.stringify(event(second)));

    const close = await closed;
    expect(close.code).toBe(CLOSE_CLIENT_TOO_SLOW);
    expect(close.reason).toMatch(/^client too slow: 3 events unacknowledged/);
    expect(received).toHaveLength(3);
  });

  it("that acknowledges as it reads keeps receiving", async () => {
    const { channel, received } = webSocketClient({ acknowledges: true });

    for (let second = 1; second <= 10; second++) {
      channel.send(event(second), JSON.stringify(event(second)));
      const count = second;
      await eventually(async () => expect(received).toHaveLength(count));
    }
    channel.end("done");
  });
});
