import { describe, expect, it } from "vitest";
import { simpleMovingAverage } from "../../dashboard/src/moving-average";

const points = (...values: number[]) => values.map((value, index) => ({ time: 1_000 + index, value }));

describe("the dashboard's moving average line", () => {
  it("has one value per point from the window-th on: the mean of that point and the window − 1 before it", () => {
    expect(simpleMovingAverage(points(1, 2, 3, 4, 10), 3)).toEqual([
      { time: 1_002, value: 2 },
      { time: 1_003, value: 3 },
      { time: 1_004, value: 17 / 3 },
    ]);
  });

  it("is empty while there are fewer points than the window, and for a window that is no whole number ≥ 1", () => {
    expect(simpleMovingAverage(points(1, 2), 3)).toEqual([]);
    expect(simpleMovingAverage(points(1, 2, 3), 0)).toEqual([]);
    expect(simpleMovingAverage(points(1, 2, 3), 1.5)).toEqual([]);
  });

  it("with a window of 1 is the prices themselves", () => {
    expect(simpleMovingAverage(points(5, 7), 1)).toEqual(points(5, 7));
  });
});
