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
}
