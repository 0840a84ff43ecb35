import { createChart, LineSeries, type IChartApi, type ISeriesApi, type UTCTimestamp } from "lightweight-charts";
import { simpleMovingAverage, type ChartPoint } from "./moving-average";

const PRICE_COLOR = "#2962ff";
const MA_COLOR = "#ff8f00";
/** Up to this many points the whole line is kept in view; beyond, the chart scrolls with new points. */
const FIT_POINTS = 120;

/**
 * One symbol's prices and their moving average, drawn with lightweight-charts. Points are keyed by whole second
 * (the chart's resolution): a point for a second already drawn replaces it. Points arriving in order are appended;
 * one arriving out of order (history after live events) redraws both lines.
 */
export class PriceChart {
  private readonly prices = new Map<number, number>();
  private points: ChartPoint[] = [];
  private averages: ChartPoint[] = [];
  private readonly chart: IChartApi;
  private readonly priceLine: ISeriesApi<"Line">;
  private readonly averageLine: ISeriesApi<"Line">;

  constructor(
    container: HTMLElement,
    private window: number,
  ) {
    const chart = (this.chart = createChart(container, {
      autoSize: true,
      layout: { background: { color: "#ffffff" }, textColor: "#1d2330" },
      grid: { vertLines: { color: "#f0f2f5" }, horzLines: { color: "#f0f2f5" } },
      timeScale: { timeVisible: true, secondsVisible: true },
      rightPriceScale: { borderVisible: false },
    }));
    this.priceLine = chart.addSeries(LineSeries, { color: PRICE_COLOR, lineWidth: 2, title: "price" });
    this.averageLine = chart.addSeries(LineSeries, { color: MA_COLOR, lineWidth: 2, title: "SMA", lastValueVisible: true, priceLineVisible: false });
  }

  get pointCount(): number {
    return this.points.length;
  }

  get averageCount(): number {
    return this.averages.length;
  }

  get lastPrice(): number | undefined {
    return this.points.at(-1)?.value;
  }

  get lastAverage(): number | undefined {
    return this.averages.at(-1)?.value;
  }

  clear(): void {
    this.prices.clear();
    this.redraw();
  }

  setWindow(window: number): void {
    this.window = window;
    this.redraw();
  }

  /** Add points (ISO timestamps); returns how many were new. */
  add(points: readonly { price: number; timestamp: string }[]): number {
    let added = 0;
    let inOrder = true;
    for (const point of points) {
      const time = Math.floor(Date.parse(point.timestamp) / 1000);
      if (!Number.isFinite(time)) continue;
      const last = this.points.at(-1)?.time;
      if (!this.prices.has(time)) added++;
      if (last !== undefined && time <= last) inOrder = false;
      this.prices.set(time, point.price);
      if (inOrder) this.append({ time, value: point.price });
    }
    if (!inOrder) this.redraw();
    return added;
  }

  private append(point: ChartPoint): void {
    this.points.push(point);
    this.priceLine.update({ time: point.time as UTCTimestamp, value: point.value });
    const [average] = simpleMovingAverage(this.points.slice(-this.window), this.window);
    if (average) {
      this.averages.push(average);
      this.averageLine.update({ time: average.time as UTCTimestamp, value: average.value });
    }
    if (this.points.length <= FIT_POINTS) this.chart.timeScale().fitContent();
  }

  private redraw(): void {
    this.points = [...this.prices.entries()].sort(([a], [b]) => a - b).map(([time, value]) => ({ time, value }));
    this.averages = simpleMovingAverage(this.points, this.window);
    this.priceLine.setData(this.points.map((point) => ({ time: point.time as UTCTimestamp, value: point.value })));
    this.averageLine.setData(this.averages.map((point) => ({ time: point.time as UTCTimestamp, value: point.value })));
    if (this.points.length > 0) this.chart.timeScale().fitContent();
  }
}
