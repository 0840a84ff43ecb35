import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, ProviderParamSchema, wholeNumber } from "../../schemas/common";
import { PriceEventSchema } from "../../schemas/price-event";
import { SymbolSchema } from "../../schemas/symbol";
import { DEFAULT_HEARTBEAT_SECONDS, MAX_BUFFERED_MESSAGES, MAX_STREAM_SYMBOLS, MAX_UNACKNOWLEDGED_EVENTS, RECENT_EVENTS } from "../../stream/protocol";

/** `AAPL,msft` → ["AAPL", "MSFT"]: each one a valid symbol, no duplicates, at most MAX_STREAM_SYMBOLS. */
const SymbolListSchema = z
  .string()
  // Long enough for MAX_STREAM_SYMBOLS of the longest symbols; rejects a huge value before splitting it.
  .max(MAX_STREAM_SYMBOLS * 25 + 100, "too many symbols")
  .transform((value) => value.split(","))
  .pipe(z.array(SymbolSchema))
  .transform((symbols) => [...new Set(symbols)])
  .pipe(z.array(z.string()).max(MAX_STREAM_SYMBOLS, `a stream may follow at most ${MAX_STREAM_SYMBOLS} symbols`))
  .openapi({ type: "string", example: "AAPL,MSFT", description: `Comma-separated symbols, at most ${MAX_STREAM_SYMBOLS}` });

const EventIdSchema = z.uuid("must be an event_id (a UUID) from this stream");

export const streamRoute = createRoute({
  method: "get",
  path: "/prices/stream",
  tags: ["prices"],
  summary: "Live price events of symbols (Server-Sent Events or WebSocket)",
  description: [
    "Every new price point of the symbols (from `provider`, else DEFAULT_PROVIDER) as a `price.updated` event, the same JSON as the Kafka events, as soon as it is stored.",
    "",
    "**Server-Sent Events** (default): `id:` is the event_id, `event: price.updated`, `data:` the event JSON. A comment (`: heartbeat`) comes every `heartbeat` seconds. Reconnect with `Last-Event-ID` (EventSource does) to replay what was missed: each symbol keeps its last " +
      `${RECENT_EVENTS} events; replay is at least once (dedupe on event_id). A client that falls ${MAX_BUFFERED_MESSAGES} messages behind gets \`event: stream.closed\` with \`{"reason":…}\` and the stream ends.`,
    "",
    "**WebSocket** (send `Upgrade: websocket`): one message per event (its JSON), plus `{\"type\":\"heartbeat\"}` and `{\"type\":\"stream.notice\"}` messages. Resume with `last_event_id`. Any message from the client acknowledges what it has read; " +
      `a client with ${MAX_UNACKNOWLEDGED_EVENTS} events unacknowledged is closed with 1008 and the reason.`,
    "",
    "Invalid parameters are answered 422 JSON before anything is streamed.",
  ].join("\n"),
  request: {
    query: z.object({
      symbols: SymbolListSchema,
      provider: ProviderParamSchema.optional(),
      last_event_id: EventIdSchema.optional().openapi({ description: "Resume after this event (for WebSocket clients, which cannot set Last-Event-ID)" }),
      heartbeat: wholeNumber(1, 60)
        .optional()
        .openapi({ type: "string", example: String(DEFAULT_HEARTBEAT_SECONDS), description: `Seconds between heartbeats, 1..60; default ${DEFAULT_HEARTBEAT_SECONDS}` }),
    }),
    headers: z.object({
      "last-event-id": EventIdSchema.optional().openapi({ description: "Resume after this event (sent by EventSource when it reconnects)" }),
    }),
  },
  responses: {
    200: {
      description: "A Server-Sent Events stream; the `data:` of each `price.updated` event is a PriceEvent",
      content: { "text/event-stream": { schema: PriceEventSchema } },
    },
    101: { description: "Switched to a WebSocket (when the request asked to upgrade)" },
    ...errorResponses(401, 422, 429),
  },
});
