/** The events the test run's broker (the fixture server, see global-setup.ts) has received, whatever the sink. */
import { env } from "cloudflare:test";
import { vi } from "vitest";
import { splitConcatenatedJson } from "../../src/events/sink";
import { requestsMatching, type CapturedRequest } from "./scenario";

export interface DeliveredEvent {
  key: string;
  value: Record<string, unknown> & { event_id: string; symbol: string; price: number; timestamp: string };
}

type EventValue = DeliveredEvent["value"];

/** Each sink's wire format, read back into (key, event) pairs. */
const READERS: Record<string, { path: string; read: (request: CapturedRequest) => DeliveredEvent[] }> = {
  "kafka-rest-v2": {
    path: "/kafka-v2/topics/",
    read: (request) => (JSON.parse(request.body) as { records: DeliveredEvent[] }).records,
  },
  "kafka-rest": {
    path: "/kafka-v3/kafka/v3/clusters/",
    // Streamed produce: the records of a batch, concatenated in one request.
    read: (request) =>
      (splitConcatenatedJson(request.body) as { key: { data: string }; value: { data: EventValue } }[]).map((record) => ({
        key: record.key.data,
        value: record.value.data,
      })),
  },
  upstash: {
    path: "/upstash/produce",
    read: (request) => {
      const body = JSON.parse(request.body) as { key: string; value: string } | { key: string; value: string }[];
      return (Array.isArray(body) ? body : [body]).map((message) => ({ key: message.key, value: JSON.parse(message.value) as EventValue }));
    },
  },
};

function reader() {
  const sink = String(env.EVENT_SINK);
  const found = READERS[sink];
  if (!found) throw new Error(`no capture reader for EVENT_SINK=${sink}`);
  return found;
}

export async function deliveredEvents(symbol?: string): Promise<DeliveredEvent[]> {
  const { path, read } = reader();
  const events = (await requestsMatching(path)).filter((request) => request.method === "POST").flatMap(read);
  return symbol === undefined ? events : events.filter((event) => event.key === symbol);
}

/** The raw requests the sink sent, for wire-format checks. */
export async function sinkRequests(): Promise<CapturedRequest[]> {
  return (await requestsMatching(reader().path)).filter((request) => request.method === "POST");
}

/** Wait until `count` events of `symbol` have been delivered (delivery runs on the object's alarm). */
export async function waitForEvents(symbol: string, count: number, timeout = 10_000): Promise<DeliveredEvent[]> {
  return vi.waitFor(
    async () => {
      const events = await deliveredEvents(symbol);
      if (events.length < count) throw new Error(`${events.length}/${count} events of ${symbol} delivered so far`);
      return events;
    },
    { timeout, interval: 50 },
  );
}
