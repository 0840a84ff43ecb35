import type { PriceEvent } from "../schemas/price-event";
import type { Sink } from "./sink";

/** Drops every event (acknowledges at once): for deployments and tests that want no event stream. */
export class NoneSink implements Sink {
  readonly name = "none";

  async publish(_events: readonly PriceEvent[]): Promise<void> {}
}
