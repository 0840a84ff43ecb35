import { describe, expect, it } from "vitest";
import { foldPrice, nearestFittingRange, rangeFits, type Candle } from "../../dashboard/src/candles";

/** A 5-minute bar starting 2025-01-06 14:30:00 UTC. */
const bar: Candle = { time: Date.parse("2025-01-06T14:30:00Z") / 1000, open: 100, high: 102, low: 99, close: 101, volume: 5_000 };

describe("a live price folded into the dashboard's candles", () => {
  it("within the last bar moves its close, and its high or low when it goes beyond them; the volume stays", () => {
    expect(foldPrice(bar, 103, bar.time + 120, "5m")).toEqual({ ...bar, close: 103, high: 103 });
    expect(foldPrice(bar, 98.5, bar.time + 299, "5m")).toEqual({ ...bar, close: 98.5, low: 98.5 });
    expect(foldPrice(bar, 100.5, bar.time, "5m")).toEqual({ ...bar, close: 100.5 });
  });

  it("after the last bar opens the bar holding it, on the last bar's grid, with no volume", () => {
    expect(foldPrice(bar, 104, bar.time + 300, "5m")).toEqual({ time: bar.time + 300, open: 104, high: 104, low: 104, close: 104, volume: null });
    // Three bars later, 40 s into that bar: it starts on the grid, not at the price's second.
    expect(foldPrice(bar, 104, bar.time + 3 * 300 + 40, "5m")).toMatchObject({ time: bar.time + 900, open: 104 });
    // Yahoo's daily bars start at the exchange's open (14:30 UTC here): the next day's does too.
    expect(foldPrice(bar, 104, bar.time + 86_400 + 3_600, "1d")).toMatchObject({ time: bar.time + 86_400 });
  });

  it("is nothing for a price older than the last bar (history holds it), or with no bar loaded", () => {
    expect(foldPrice(bar, 104, bar.time - 1, "5m")).toBeUndefined();
    expect(foldPrice(undefined, 104, bar.time, "5m")).toBeUndefined();
  });
});

describe("the candles' range picker", () => {
  it("offers a range of 2 to 5000 bars of the interval", () => {
    expect(rangeFits("3d", "1m")).toBe(true); // 4,320 bars
    expect(rangeFits("1w", "1m")).toBe(false); // 10,080 bars
    expect(rangeFits("6h", "1d")).toBe(false); // a quarter of a bar
    expect(rangeFits("5y", "1wk")).toBe(true);
  });

  it("keeps a range that fits a new interval, else takes the fitting one closest in length", () => {
    expect(nearestFittingRange("1d", "5m")).toBe("1d");
    expect(nearestFittingRange("1y", "1m")).toBe("3d");
    expect(nearestFittingRange("6h", "1d")).toBe("3d");
    expect(nearestFittingRange("1d", "1wk")).toBe("1mo");
  });
});
