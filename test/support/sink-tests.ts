/** What the sink tests share: sample events, an isolated broker URL, and the check every rejection must pass. */
import { expect } from "vitest";
import { priceUpdated } from "../../src/events/price-events";
import { SinkError } from "../../src/events/sink";
import type { ProviderName } from "../../src/providers/provider";
import type { PriceEvent } from "../../src/schemas/price-event";
import { fixtureServerUrl, requestsMatching, type CapturedRequest } from "./scenario";

/** One event per symbol, a second apart, prices from `firstPrice` up. */
export function sampleEvents(provider: ProviderName, firstPrice: number, ...symbols: string[]): PriceEvent[] {
  return symbols.map((symbol, index) =>
    priceUpdated({ symbol, price: firstPrice + index, timestamp: Date.UTC(2024, 2, 20, 15, 30, index), provider }, `raw-${index}`),
  );
}

/** A fresh base URL per test, so parallel test files never see each other's requests. */
export function isolatedBase(): { id: string; base: string } {
  const id = crypto.randomUUID();
  return { id, base: `${fixtureServerUrl()}/${id}` };
}

/** The one request a sink made to its broker under `id`, which must be a POST. */
export async function theOnePost(id: string): Promise<CapturedRequest> {
  const requests = await requestsMatching(id);
  expect(requests).toHaveLength(1);
  const [request] = requests;
  expect(request?.method).toBe("POST");
  return request!;
}

/** The publish must reject with a SinkError whose message holds none of the credentials. */
export async function sinkRejection(promise: Promise<unknown>, secrets: readonly string[]): Promise<SinkError> {
  const error = await promise.then(
    () => expect.fail("publish resolved, a SinkError was expected"),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SinkError);
  const sinkError = error as SinkError;
  for (const secret of secrets) expect(sinkError.message).not.toContain(secret);
  return sinkError;
}
