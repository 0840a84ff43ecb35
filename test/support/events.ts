/** The events the test run's Kafka REST v2 proxy (the fixture server) has received. */
import { vi } from "vitest";
import { requestsMatching } from "./scenario";

export interface DeliveredEvent {
  key: string;
  value: Record<string, unknown> & { event_id: string; symbol: string; price: number; timestamp: string };
}

export async function deliveredEvents(symbol?: string): Promise<DeliveredEvent[]> {
  const requests = await requestsMatching("/kafka-v2/topics/price-events");
  const events = requests.flatMap((request) => (JSON.parse(request.body) as { records: DeliveredEvent[] }).records);
  return symbol === undefined ? events : events.filter((event) => event.key === symbol);
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
