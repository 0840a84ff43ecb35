/**
 * A client for `GET /prices/stream`'s Server-Sent Events, for anything with fetch: the tests (workerd), the
 * dashboard (browsers), a benchmark (Node 22). Unlike EventSource it can send headers (Authorization, an explicit
 * Last-Event-ID) and shows comments (heartbeats, resume notices). No dependencies, so the dashboard can bundle it.
 *
 * A benchmark opening N clients:
 *
 *   const clients = Array.from({ length: N }, async () => {
 *     const response = await fetch(`${base}/prices/stream?symbols=AAPL,MSFT`, { signal });
 *     for await (const message of readServerSentEvents(response.body!, signal)) {
 *       if (message.kind === "event" && message.event === "price.updated") record(JSON.parse(message.data));
 *     }
 *   });
 *
 * and aborting `signal` closes them all (the server then releases their sockets).
 */

/** One dispatched SSE event, or one comment line (`: heartbeat`). */
export type ServerSentMessage =
  | { kind: "event"; id: string | undefined; event: string; data: string }
  | { kind: "comment"; text: string };

/** Parse an SSE body as the HTML standard does (fields, multi-line data, comments, any line ending). */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<ServerSentMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  // Aborting ends the read under way at once (a generator's return() would wait for the next chunk).
  const cancel = () => void reader.cancel().catch(() => undefined);
  if (signal?.aborted) cancel();
  signal?.addEventListener("abort", cancel, { once: true });
  let buffered = "";
  let id: string | undefined;
  let event = "";
  let data: string[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      // A trailing "\r" may be half of "\r\n": keep it for the next chunk.
      const lines = buffered.split(/\r\n|\n|\r(?=.)/s);
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "") {
          if (data.length > 0) yield { kind: "event", id, event: event || "message", data: data.join("\n") };
          event = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) {
          yield { kind: "comment", text: line.slice(1).trimStart() };
          continue;
        }
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") data.push(value);
        else if (field === "event") event = value;
        // The id persists across events, as EventSource's lastEventId does.
        else if (field === "id" && !value.includes("\0")) id = value;
      }
    }
  } finally {
    signal?.removeEventListener("abort", cancel);
    await reader.cancel().catch(() => undefined);
  }
}
