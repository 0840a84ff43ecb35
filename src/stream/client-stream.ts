import type { Env } from "../env";
import type { ClientChannel } from "./channel";
import { PriceFeed } from "./price-feed";
import type { StreamRequest } from "./protocol";
import { SSE_HEADERS, SseChannel } from "./sse";
import { WebSocketChannel } from "./websocket-channel";

/** What the route holds for the stream's lifetime (its client's stream slot): renewed on heartbeats, released at the end. */
export interface StreamHold {
  renew(): void;
  release(): void;
}

/**
 * Join a client's channel to its feed: events in, heartbeats out, and whichever ends first ends the other.
 * Throws the refusal (503) when a symbol's object is full, before anything was sent.
 */
async function run(env: Env, request: StreamRequest, channel: ClientChannel, hold: StreamHold): Promise<void> {
  const { feed, refused } = await PriceFeed.open(env, request, {
    onEvent: (event, json) => channel.send(event, json),
    onNotice: (text) => channel.notice(text),
    onEnd: (reason) => channel.end(reason),
  });
  if (refused) throw refused;
  // Heartbeats come from the Worker: the symbol objects stay asleep between prices.
  const heartbeat = setInterval(() => {
    channel.heartbeat();
    hold.renew();
  }, request.heartbeatSeconds * 1000);
  channel.onEnded(() => {
    clearInterval(heartbeat);
    feed.close();
    hold.release();
  });
}

/** `text/event-stream`: `id:` = event_id, `event: price.updated`, `data:` = the event's JSON. */
export async function serverSentEventStream(env: Env, request: StreamRequest, hold: StreamHold): Promise<Response> {
  const channel = new SseChannel();
  await run(env, request, channel, hold);
  return new Response(channel.body, { headers: SSE_HEADERS });
}

/** A WebSocket (when the client asked to upgrade): one message per event, its JSON. */
export async function webSocketStream(env: Env, request: StreamRequest, hold: StreamHold): Promise<Response> {
  const { 0: client, 1: server } = new WebSocketPair();
  await run(env, request, new WebSocketChannel(server), hold);
  return new Response(null, { status: 101, webSocket: client });
}
