/**
 * src/averages/ owns moving averages: how an SMA or EMA of a symbol's newest prices is computed (here), from the
 * window of prices its symbol object keeps in memory (price-window.ts), so a read costs the window, never the
 * stored history.
 */
import type { ProviderName } from "../providers/provider";
import type { PriceWindow } from "./price-window";

export const AVERAGE_KINDS = ["sma", "ema"] as const;
export type AverageKind = (typeof AVERAGE_KINDS)[number];

/** One moving average as answered and stored. Plain data: it crosses RPC. */
export interface MovingAverage {
  symbol: string;
  provider: ProviderName;
  kind: AverageKind;
  window: number;
  value: number;
  /** Quote time of the newest point in the window, epoch ms. */
  asOf: number;
  points: number;
}

export function computeAverage(prices: PriceWindow, kind: AverageKind, window: number): number | undefined {
  return kind === "sma" ? prices.simpleAverage(window) : prices.exponentialAverage(window);
}
