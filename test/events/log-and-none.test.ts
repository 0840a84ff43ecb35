/** The two sinks without a broker: `log` (the default) and `none`. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { priceUpdated } from "../../src/events/price-events";
import { LogSink } from "../../src/events/log";
import { NoneSink } from "../../src/events/none";
import { PriceEventSchema } from "../../src/schemas/price-event";

const batch = ["AAPL", "BRK.B"].map((symbol, index) =>
  priceUpdated({ symbol, price: 181.45 + index, timestamp: Date.UTC(2024, 2, 20, 15, 30), provider: "yfinance" }, `raw-${index}`),
);

afterEach(() => {
  vi.restoreAllMocks();
});

describe("log sink", () => {
  it("prints one greppable line per event, `price.updated {json}`, in order", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});

    await new LogSink().publish(batch);

    expect(log).toHaveBeenCalledTimes(2);
    log.mock.calls.forEach(([line], i) => {
      expect(line).toMatch(/^price\.updated \{/);
      const printed = PriceEventSchema.parse(JSON.parse(String(line).slice("price.updated ".length)));
      expect(printed).toEqual(batch[i]);
    });
  });
});

describe("none sink", () => {
  it("acknowledges every batch without printing anything", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});

    await expect(new NoneSink().publish(batch)).resolves.toBeUndefined();

    expect(log).not.toHaveBeenCalled();
  });
});
