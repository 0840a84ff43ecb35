/** The provider map: every provider by name, and the settings each one reads from the validated config. */
import type { Config } from "../env";
import { alphaVantage } from "./alpha-vantage";
import { binance } from "./binance";
import { finnhub } from "./finnhub";
import { polygon } from "./polygon";
import type { Provider, ProviderConfig, ProviderName } from "./provider";
import { synthetic } from "./synthetic";
import { yahoo } from "./yahoo";

export const PROVIDERS: Readonly<Record<ProviderName, Provider>> = Object.freeze({
  yfinance: yahoo,
  alpha_vantage: alphaVantage,
  finnhub,
  binance,
  polygon,
  synthetic,
});

export function getProvider(name: ProviderName): Provider {
  return PROVIDERS[name];
}

/** Base URL and key of one provider, from env.ts's validated config (base URLs have no trailing slash). */
export function providerConfig(config: Config, name: ProviderName): ProviderConfig {
  const timeoutMs = config.PROVIDER_TIMEOUT_MS;
  switch (name) {
    case "yfinance":
      return { baseUrl: config.YFINANCE_BASE_URL, timeoutMs };
    case "alpha_vantage":
      return { baseUrl: config.ALPHA_VANTAGE_BASE_URL, apiKey: config.ALPHA_VANTAGE_API_KEY, timeoutMs };
    case "finnhub":
      return { baseUrl: config.FINNHUB_BASE_URL, apiKey: config.FINNHUB_API_KEY, timeoutMs };
    case "binance":
      return { baseUrl: config.BINANCE_BASE_URL, timeoutMs };
    case "polygon":
      return { baseUrl: config.POLYGON_BASE_URL, apiKey: config.POLYGON_API_KEY, timeoutMs, latestFrom: config.POLYGON_LATEST };
    case "synthetic":
      return { baseUrl: "synthetic://local", timeoutMs };
  }
}

/** Whether the provider can be asked at all: it needs no key, or its key is set. */
export function isConfigured(config: Config, name: ProviderName): boolean {
  return !PROVIDERS[name].needsKey || providerConfig(config, name).apiKey !== undefined;
}
