/** The state of the page's live stream. */
export type StreamState = "connecting" | "live" | "error" | "stopped";

/**
 * What the page shows, as numbers, on `window.__dashboard`: for people debugging it and for the browser test
 * (test/browser/dashboard.test.ts). Free of DOM types, so Node-side code can import it.
 */
export interface DashboardProbe {
  /** The symbol the chart follows. */
  readonly symbol: string | undefined;
  /** Price points on the chart. */
  readonly points: number;
  /** Points of the moving-average line (one per price point from the window-th on). */
  readonly maPoints: number;
  readonly lastPrice: number | undefined;
  /** The newest value of the chart's moving average (computed in the page). */
  readonly movingAverage: number | undefined;
  /** The service's own value (GET /ma/{symbol}), when it answered 200. */
  readonly serverMovingAverage: number | undefined;
  readonly stream: StreamState;
  readonly candles: CandlesProbe;
}

/** A candle as the probe shows it: the bar's start as an ISO time. */
export interface CandleProbe {
  readonly time: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number | null;
}

export type CandlesState = "idle" | "loading" | "ready" | "error";

/** The candles panel: what was loaded from GET /prices/bars, what the live prices did to it, and a backfill. */
export interface CandlesProbe {
  readonly state: CandlesState;
  readonly interval: string;
  readonly range: string;
  /** The range of the last load (ISO); the live prices extend the chart past `to`. */
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly bars: number;
  readonly first: CandleProbe | undefined;
  readonly last: CandleProbe | undefined;
  /** Live prices folded into the candles since the last load, and the newest of them. */
  readonly folded: number;
  readonly lastFolded: { readonly price: number; readonly timestamp: string } | undefined;
  /** The service's message when the store lacks part of the range (the `backfill` of GET /prices/bars). */
  readonly hint: string | undefined;
  readonly backfill:
    | { readonly id: string; readonly status: string; readonly requestsDone: number; readonly requestsPlanned: number; readonly barsStored: number }
    | undefined;
}
