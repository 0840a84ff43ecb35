import type { Env } from "../env";
import type { ClientChannel } from "./channel";
import { PriceFeed } from "./price-feed";
import type { StreamRequest } from "./protocol";
import { SSE_HEADERS, SseChannel } from "./sse";
import { WebSocketChannel } from "./websocket-channel";

/** Join a client's channel to its feed: events in, heartbeats out, and whichever ends first ends the other. */
function run(env: Env, request: StreamRequest, channel: ClientChannel): void {
  const feed = PriceFeed.open(env, request, {
    onEvent: (event, json) => channel.send(event, json),
    onNotice: (text) => channel.notice(text),
    onEnd: (reason) => channel.end(reason),
  });
  // Heartbeats come from the Worker: the symbol objects stay asleep between prices.
  const heartbeat = setInterval(() => channel.heartbeat(), request.heartbeatSeconds * 1000);
  channel.onEnded(() => {
    clearInterval(heartbeat);
    feed.close();
  });
}

/** `text/event-stream`: `id:` = event_id, `event: price.updated`, `data:` = the event's JSON. */
export function serverSentEventStream(env: Env, request: StreamRequest): Response {
  const channel = new SseChannel();
  run(env, request, channel);
  return new Response(channel.body, { headers: SSE_HEADERS });
}

/** A WebSocket (when the client asked to upgrade): one message per event, its JSON. */
export function webSocketStream(env: Env, request: StreamRequest): Response {
  const { 0: client, 1: server } = new WebSocketPair();
  run(env, request, new WebSocketChannel(server));
  return new Response(null, { status: 101, webSocket: client });
}
