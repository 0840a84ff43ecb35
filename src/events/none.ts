import type { Sink, SinkEvent } from "./sink";

/** Drops every event (acknowledges at once): for deployments and tests that want no event stream. */
export class NoneSink implements Sink {
  readonly name = "none";

  async publish(_events: readonly SinkEvent[]): Promise<void> {}
}
