import type { AppRouteHandler } from "../../app-env";
import { readConfig } from "../../env";
import { requireAcceptedSymbols } from "../../providers/parse";
import { getProvider } from "../../providers/registry";
import { serverSentEventStream, webSocketStream } from "../../stream/client-stream";
import { DEFAULT_HEARTBEAT_SECONDS, type StreamRequest } from "../../stream/protocol";
import { SSE_HEADERS } from "../../stream/sse";
import type { streamRoute } from "./stream.routes";

export const streamPrices: AppRouteHandler<typeof streamRoute> = (c) => {
  const { symbols, provider, last_event_id, heartbeat } = c.req.valid("query");
  const streamed = provider ?? readConfig(c.env).DEFAULT_PROVIDER;
  // A symbol the provider can never answer would never have an event: 422 rather than a silent stream.
  requireAcceptedSymbols(getProvider(streamed), symbols);
  const request: StreamRequest = {
    provider: streamed,
    symbols,
    resumeAfter: c.req.valid("header")["last-event-id"] ?? last_event_id,
    heartbeatSeconds: heartbeat ?? DEFAULT_HEARTBEAT_SECONDS,
  };
  if (c.req.header("upgrade")?.toLowerCase() === "websocket") return webSocketStream(c.env, request);
  // HEAD has no body to stream: answering it must not open anything.
  if (c.req.method === "HEAD") return new Response(null, { headers: SSE_HEADERS });
  return serverSentEventStream(c.env, request);
};
