import type { AppRouteHandler } from "../../app-env";
import { takeStreamSlot } from "../../access/stream-slots";
import { readConfig } from "../../env";
import { requireAcceptedSymbols } from "../../providers/parse";
import { getProvider } from "../../providers/registry";
import { serverSentEventStream, webSocketStream } from "../../stream/client-stream";
import { DEFAULT_HEARTBEAT_SECONDS, type StreamRequest } from "../../stream/protocol";
import { SSE_HEADERS } from "../../stream/sse";
import type { streamRoute } from "./stream.routes";

export const streamPrices: AppRouteHandler<typeof streamRoute> = async (c) => {
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
  // HEAD has no body to stream: answering it must not open anything.
  if (c.req.method === "HEAD") return new Response(null, { headers: SSE_HEADERS });
  const slot = await takeStreamSlot(c);
  try {
    if (c.req.header("upgrade")?.toLowerCase() === "websocket") return await webSocketStream(c.env, request, slot);
    return await serverSentEventStream(c.env, request, slot);
  } catch (error) {
    slot.release();
    throw error;
  }
};
