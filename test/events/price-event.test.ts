/** The `price.updated` event of API.md's Events section, defined once in src/schemas/price-event.ts. */
import { describe, expect, it } from "vitest";
import { priceUpdated } from "../../src/events/price-events";
import { PRICE_EVENT_VERSION, PriceEventSchema } from "../../src/schemas/price-event";

const documented = {
  event_id: "3f1b6a52-8d4e-4c1f-9a7b-2e5d8c0f4a19",
  type: "price.updated",
  version: 1,
  symbol: "AAPL",
  price: 181.45,
  timestamp: "2024-03-20T15:30:00Z",
  provider: "yfinance",
  raw_response_id: "0b9e3c2a-5d71-4f08-8e64-7a1c2d3e4f50",
  emitted_at: "2024-03-20T15:30:01.250Z",
};

describe("PriceEvent", () => {
  it("accepts the event exactly as API.md shows it, at version 1", () => {
    expect(PRICE_EVENT_VERSION).toBe(1);
    expect(PriceEventSchema.parse(documented)).toEqual(documented);
  });

  it("accepts what the service builds for a new price point", () => {
    const event = priceUpdated({ symbol: "EURUSD=X", price: 1.0871, timestamp: Date.UTC(2024, 2, 20), provider: "yfinance" }, "raw-1");
    expect(PriceEventSchema.safeParse(event).success).toBe(true);
  });

  it.each([
    ["another type", { type: "price.changed" }],
    ["another version", { version: 2 }],
    ["an event_id that is not a UUID", { event_id: "42" }],
    ["a timestamp that is not ISO-8601 UTC", { timestamp: "20/03/2024 15:30" }],
    ["a price that is not a number", { price: "181.45" }],
    ["a lower-case symbol", { symbol: "aapl" }],
  ])("rejects %s", (_, change) => {
    expect(PriceEventSchema.safeParse({ ...documented, ...change }).success).toBe(false);
  });

  it("rejects an event with a field missing", () => {
    const { raw_response_id: _, ...withoutRaw } = documented;
    expect(PriceEventSchema.safeParse(withoutRaw).success).toBe(false);
  });
});
