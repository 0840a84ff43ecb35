/** A point on the chart: time in whole UNIX seconds (what the chart's time scale takes), and a value. */
export interface ChartPoint {
  time: number;
  value: number;
}

/**
 * The simple moving average over `window` points, one value per point from the window-th on, as the service
 * computes it for its newest point (GET /ma): the mean of that point and the window − 1 before it.
 */
export function simpleMovingAverage(points: readonly ChartPoint[], window: number): ChartPoint[] {
  if (!Number.isInteger(window) || window < 1) return [];
  const averages: ChartPoint[] = [];
  let sum = 0;
  points.forEach((point, index) => {
    sum += point.value;
    if (index >= window) sum -= points[index - window]!.value;
    if (index >= window - 1) averages.push({ time: point.time, value: sum / window });
  });
  return averages;
}
