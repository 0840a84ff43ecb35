import type { Sink, SinkEvent } from "./sink";

/**
 * Writes each event as one line to the Worker's log: `price.updated {"event_id":…}`. Greppable in
 * `wrangler tail` and Workers Logs; the default sink, useful in local development.
 */
export class LogSink implements Sink {
  readonly name = "log";

  async publish(events: readonly SinkEvent[]): Promise<void> {
    for (const event of events) console.log(`${event.type} ${JSON.stringify(event)}`);
  }
}
