/**
 * The candles panel: the watched symbol's bars of the chosen interval over the chosen range (GET /prices/bars),
 * moved by its live prices, and a backfill of that range (POST /prices/backfill) with its progress.
 */
import { backfillStatus, bars, startBackfill, type Backfill, type BarsPage, type PriceEvent } from "./api";
import { CandleChart } from "./candle-chart";
import { BAR_INTERVALS, MAX_CHART_BARS, MIN_CHART_BARS, nearestFittingRange, rangeFits, rangeMs, RANGES, type BarInterval, type Candle, type RangeId } from "./candles";
import { describe, element, format } from "./dom";
import type { CandleProbe, CandlesProbe, CandlesState } from "./probe";

const DEFAULT_INTERVAL: BarInterval = "5m";
const DEFAULT_RANGE: RangeId = "1d";
const BACKFILL_POLL_MS = 500;
const FINISHED: ReadonlySet<Backfill["status"]> = new Set(["done", "failed", "cancelled"]);

interface Target {
  symbol: string;
  provider: string;
}

/** The range a load asked for: the backfill button fetches exactly this. */
interface Loaded extends Target {
  interval: BarInterval;
  from: Date;
  to: Date;
}

function toCandle(bar: BarsPage["bars"][number]): Candle {
  return { time: Math.floor(Date.parse(bar.timestamp) / 1000), open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume };
}

function candleProbe(candle: Candle | undefined): CandleProbe | undefined {
  return candle && { ...candle, time: new Date(candle.time * 1000).toISOString() };
}

/** "2026-12-05 07:35" in UTC, the chart's time zone. */
const utcMinute = (second: number) => new Date(second * 1000).toISOString().slice(0, 16).replace("T", " ");

export class CandlesPanel {
  private readonly chart = new CandleChart(element("candles"));
  private readonly intervalPicker = element<HTMLSelectElement>("candles-interval");
  private readonly rangePicker = element<HTMLSelectElement>("candles-range");
  private readonly backfillButton = element<HTMLButtonElement>("backfill-range");
  private target: Target | undefined;
  private loaded: Loaded | undefined;
  private state: CandlesState = "idle";
  /** Live prices that arrived while bars were loading: folded in once they are drawn. */
  private waiting: PriceEvent[] = [];
  private folded = 0;
  private lastFolded: { price: number; timestamp: string } | undefined;
  private hint: string | undefined;
  private backfill: Backfill | undefined;
  /** Bumped by every load and every new target, so an answer to an older question is dropped. */
  private generation = 0;

  constructor() {
    this.intervalPicker.replaceChildren(...BAR_INTERVALS.map((interval) => new Option(interval, interval, false, interval === DEFAULT_INTERVAL)));
    this.rangePicker.replaceChildren(...RANGES.map((range) => new Option(range.label, range.id, false, range.id === DEFAULT_RANGE)));
    this.offerFittingRanges();
    this.intervalPicker.addEventListener("change", () => {
      this.offerFittingRanges();
      void this.load();
    });
    this.rangePicker.addEventListener("change", () => void this.load());
    this.backfillButton.addEventListener("click", () => void this.backfillLoadedRange());
  }

  follow(symbol: string, provider: string): void {
    this.target = { symbol, provider };
    this.backfill = undefined;
    element("candles-title").textContent = `Candles · ${symbol} (${provider})`;
    this.showBackfill();
    void this.load();
  }

  fold(event: PriceEvent): void {
    if (event.symbol !== this.target?.symbol || event.provider !== this.target.provider) return;
    if (this.state === "loading") {
      this.waiting.push(event);
      return;
    }
    if (this.chart.fold(event.price, Math.floor(Date.parse(event.timestamp) / 1000))) {
      this.folded += 1;
      this.lastFolded = { price: event.price, timestamp: event.timestamp };
      this.showSummary();
    }
  }

  probe(): CandlesProbe {
    const backfill = this.backfill;
    return {
      state: this.state,
      interval: this.interval(),
      range: this.range(),
      from: this.loaded?.from.toISOString(),
      to: this.loaded?.to.toISOString(),
      bars: this.chart.count,
      first: candleProbe(this.chart.first),
      last: candleProbe(this.chart.last),
      folded: this.folded,
      lastFolded: this.lastFolded,
      hint: this.hint,
      backfill: backfill && {
        id: backfill.backfill_id,
        status: backfill.status,
        requestsDone: backfill.progress.requests_done,
        requestsPlanned: backfill.progress.requests_planned,
        barsStored: backfill.progress.bars_stored,
      },
    };
  }

  private interval(): BarInterval {
    return BAR_INTERVALS.find((interval) => interval === this.intervalPicker.value) ?? DEFAULT_INTERVAL;
  }

  private range(): RangeId {
    return RANGES.find((range) => range.id === this.rangePicker.value)?.id ?? DEFAULT_RANGE;
  }

  /** A range of more bars than one page holds, or of hardly any, is offered greyed out. */
  private offerFittingRanges(): void {
    const interval = this.interval();
    for (const option of this.rangePicker.options) {
      const fits = RANGES.some((range) => range.id === option.value && rangeFits(range.id, interval));
      option.disabled = !fits;
      option.title = fits ? "" : `not between ${MIN_CHART_BARS} and ${MAX_CHART_BARS} bars of ${interval}`;
    }
    this.rangePicker.value = nearestFittingRange(this.range(), interval);
  }

  private async load(): Promise<void> {
    if (!this.target) return;
    const generation = ++this.generation;
    const to = new Date();
    const question: Loaded = { ...this.target, interval: this.interval(), from: new Date(to.getTime() - rangeMs(this.range())), to };
    this.setState("loading", `loading ${question.interval} bars…`);
    try {
      const page = await bars({ ...question, limit: MAX_CHART_BARS });
      if (generation !== this.generation) return;
      this.loaded = question;
      this.chart.show(page.bars.map(toCandle), question.interval);
      this.hint = page.backfill?.message;
      this.folded = 0;
      this.lastFolded = undefined;
      this.setState("ready", page.next_cursor ? `the first ${MAX_CHART_BARS} bars of this range` : "");
      this.foldWaiting(to);
    } catch (error) {
      if (generation !== this.generation) return;
      this.loaded = question;
      this.waiting = [];
      this.chart.show([], question.interval);
      this.hint = undefined;
      this.setState("error", describe(error));
    }
  }

  /** Prices that arrived during the load and are newer than what it asked for. */
  private foldWaiting(loadedUntil: Date): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const event of waiting) if (Date.parse(event.timestamp) >= loadedUntil.getTime()) this.fold(event);
  }

  private setState(state: CandlesState, detail: string): void {
    this.state = state;
    const status = element("candles-state");
    status.dataset["state"] = state;
    status.textContent = detail || state;
    const hint = element("candles-hint");
    hint.hidden = this.hint === undefined || state !== "ready";
    hint.textContent = this.hint ?? "";
    this.showSummary();
  }

  /** The bar count and the last bar's OHLCV, in words for people and as data attributes for tests. */
  private showSummary(): void {
    const summary = element("candles-summary");
    const last = this.chart.last;
    summary.dataset["bars"] = String(this.chart.count);
    summary.dataset["lastClose"] = last ? String(last.close) : "";
    if (!last) {
      summary.textContent = this.state === "ready" ? "no bars in this range" : "—";
      return;
    }
    const volume = last.volume === null ? "" : ` V ${format(last.volume)}`;
    summary.textContent = `${this.chart.count} bars · last ${utcMinute(last.time)} UTC O ${format(last.open)} H ${format(last.high)} L ${format(last.low)} C ${format(last.close)}${volume}`;
  }

  private async backfillLoadedRange(): Promise<void> {
    const range = this.loaded;
    if (!range) return;
    this.backfillButton.disabled = true;
    try {
      this.backfill = await startBackfill(range);
      this.showBackfill();
      await this.followBackfill(this.backfill.backfill_id, this.generation);
    } catch (error) {
      this.showBackfill(describe(error));
    } finally {
      this.backfillButton.disabled = false;
    }
  }

  /** Poll the backfill until it ends; when it is done, draw the range again from the filled store. */
  private async followBackfill(id: string, generation: number): Promise<void> {
    while (this.backfill && !FINISHED.has(this.backfill.status)) {
      await new Promise((resolve) => setTimeout(resolve, BACKFILL_POLL_MS));
      if (this.target === undefined || this.backfill?.backfill_id !== id) return;
      this.backfill = await backfillStatus(id);
      this.showBackfill();
    }
    if (this.backfill?.status === "done" && generation === this.generation) await this.load();
  }

  private showBackfill(failure?: string): void {
    const box = element("backfill");
    const backfill = this.backfill;
    box.hidden = backfill === undefined && failure === undefined;
    const progress = element<HTMLProgressElement>("backfill-progress");
    const status = element("backfill-status");
    status.dataset["status"] = failure === undefined ? (backfill?.status ?? "") : "error";
    if (failure !== undefined) {
      status.textContent = `Backfill: ${failure}`;
      progress.hidden = true;
      return;
    }
    if (!backfill) return;
    const { requests_done: done, requests_planned: planned, bars_stored: stored } = backfill.progress;
    progress.hidden = false;
    progress.max = Math.max(planned, 1);
    progress.value = backfill.status === "done" ? progress.max : done;
    const errors = backfill.errors.map((error) => `${error.code}: ${error.message}`).join("; ");
    status.textContent = `Backfill ${backfill.backfill_id.slice(0, 8)}: ${backfill.status} · ${done} of ${planned} requests · ${format(stored)} bars stored${errors ? ` · ${errors}` : ""}`;
  }
}
