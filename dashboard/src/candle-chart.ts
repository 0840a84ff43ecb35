import { CandlestickSeries, createChart, HistogramSeries, type IChartApi, type ISeriesApi, type UTCTimestamp } from "lightweight-charts";
import { foldPrice, INTERVAL_MS, type BarInterval, type Candle } from "./candles";

const UP_COLOR = "#26a69a";
const DOWN_COLOR = "#ef5350";
/** The volume pane's share of the chart's height, beside the candles' 1. */
const VOLUME_PANE_STRETCH = 0.25;
const DAY_SECONDS = 86_400;

/**
 * Candlesticks with their volume in a pane below, drawn with lightweight-charts. The bars are loaded whole
 * (`show`); live prices then move the last candle or open the next one (`fold`), drawn with `update`.
 */
export class CandleChart {
  private candles: Candle[] = [];
  private interval: BarInterval = "1d";
  private readonly chart: IChartApi;
  private readonly candleSeries: ISeriesApi<"Candlestick">;
  private readonly volumeSeries: ISeriesApi<"Histogram">;

  constructor(container: HTMLElement) {
    this.chart = createChart(container, {
      autoSize: true,
      layout: { background: { color: "#ffffff" }, textColor: "#1d2330", panes: { separatorColor: "#e3e6ec" } },
      grid: { vertLines: { color: "#f0f2f5" }, horzLines: { color: "#f0f2f5" } },
      rightPriceScale: { borderVisible: false },
    });
    this.candleSeries = this.chart.addSeries(CandlestickSeries, {
      upColor: UP_COLOR,
      downColor: DOWN_COLOR,
      borderVisible: false,
      wickUpColor: UP_COLOR,
      wickDownColor: DOWN_COLOR,
    });
    this.volumeSeries = this.chart.addSeries(HistogramSeries, { priceFormat: { type: "volume" }, title: "volume" }, 1);
    this.chart.panes()[1]?.setStretchFactor(VOLUME_PANE_STRETCH);
  }

  get count(): number {
    return this.candles.length;
  }

  get first(): Candle | undefined {
    return this.candles[0];
  }

  get last(): Candle | undefined {
    return this.candles.at(-1);
  }

  show(candles: Candle[], interval: BarInterval): void {
    this.candles = candles;
    this.interval = interval;
    // Seconds matter for minute bars only; days and weeks read better as dates.
    this.chart.applyOptions({ timeScale: { timeVisible: INTERVAL_MS[interval] < DAY_SECONDS * 1000, secondsVisible: false } });
    this.candleSeries.setData(candles.map(candleData));
    this.volumeSeries.setData(candles.map(volumeData));
    this.chart.timeScale().fitContent();
  }

  /** Fold a live price in; returns whether the chart changed. */
  fold(price: number, second: number): boolean {
    const folded = foldPrice(this.last, price, second, this.interval);
    if (!folded) return false;
    if (folded.time === this.last?.time) this.candles[this.candles.length - 1] = folded;
    else this.candles.push(folded);
    this.candleSeries.update(candleData(folded));
    this.volumeSeries.update(volumeData(folded));
    return true;
  }
}

function candleData(candle: Candle) {
  return { time: candle.time as UTCTimestamp, open: candle.open, high: candle.high, low: candle.low, close: candle.close };
}

/** A bar without a volume is whitespace in the volume pane, never a zero bar. */
function volumeData(candle: Candle) {
  const time = candle.time as UTCTimestamp;
  if (candle.volume === null) return { time };
  return { time, value: candle.volume, color: candle.close >= candle.open ? `${UP_COLOR}80` : `${DOWN_COLOR}80` };
}
