/** The history map: every provider's bars by name (each one's quirks in its own `<provider>-history.ts`). */
import { alphaVantageHistory } from "./alpha-vantage-history";
import { binanceHistory } from "./binance-history";
import { finnhubHistory } from "./finnhub-history";
import type { HistoryProvider } from "./history";
import { polygonHistory } from "./polygon-history";
import type { ProviderName } from "./provider";
import { syntheticHistory } from "./synthetic-history";
import { yahooHistory } from "./yahoo-history";

export const HISTORY_PROVIDERS: Readonly<Record<ProviderName, HistoryProvider>> = Object.freeze({
  yfinance: yahooHistory,
  alpha_vantage: alphaVantageHistory,
  finnhub: finnhubHistory,
  binance: binanceHistory,
  polygon: polygonHistory,
  synthetic: syntheticHistory,
});

export function getHistoryProvider(name: ProviderName): HistoryProvider {
  return HISTORY_PROVIDERS[name];
}
