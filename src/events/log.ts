import type { PriceEvent } from "../schemas/price-event";
import type { Sink } from "./sink";

/**
 * Writes each event as one line to the Worker's log: `price.updated {"event_id":…}`. Greppable in
 * `wrangler tail` and Workers Logs; the default sink, useful in local development.
 */
export class LogSink implements Sink {
  readonly name = "log";

  async publish(events: readonly PriceEvent[]): Promise<void> {
    for (const event of events) console.log(`${event.type} ${JSON.stringify(event)}`);
  }
}
