/**
 * The bar intervals of GET /prices/bars and their lengths. Without imports, so the dashboard's bundle takes the
 * same table the service uses.
 */
export const BAR_INTERVALS = ["1m", "5m", "15m", "30m", "1h", "1d", "1wk"] as const;
export type BarInterval = (typeof BAR_INTERVALS)[number];

const MINUTE = 60_000;
const DAY = 86_400_000;
export const INTERVAL_MS: Readonly<Record<BarInterval, number>> = {
  "1m": MINUTE,
  "5m": 5 * MINUTE,
  "15m": 15 * MINUTE,
  "30m": 30 * MINUTE,
  "1h": 60 * MINUTE,
  "1d": DAY,
  "1wk": 7 * DAY,
};
