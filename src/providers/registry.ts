/** The provider map: every provider by name, and the settings each one reads from the validated config. */
import type { Config } from "../env";
import { alphaVantage } from "./alpha-vantage";
import { binance } from "./binance";
import { finnhub } from "./finnhub";
import { polygon } from "./polygon";
import type { Provider, ProviderConfig, ProviderInfo, ProviderName } from "./provider";
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

/** The budget settings of env.ts: `<PROVIDER>_REQUESTS_PER_MINUTE` / `_PER_DAY`. */
type BudgetSettingName = { [K in keyof Config]: K extends `${string}_REQUESTS_PER_${"MINUTE" | "DAY"}` ? K : never }[keyof Config];

/** The settings that override a provider's free-plan budget (API.md "Provider plans"); the day only where it counts days. */
const BUDGET_SETTINGS: Readonly<Record<ProviderName, { perMinute?: BudgetSettingName; perDay?: BudgetSettingName }>> = {
  yfinance: { perMinute: "YFINANCE_REQUESTS_PER_MINUTE" },
  alpha_vantage: { perMinute: "ALPHA_VANTAGE_REQUESTS_PER_MINUTE", perDay: "ALPHA_VANTAGE_REQUESTS_PER_DAY" },
  finnhub: { perMinute: "FINNHUB_REQUESTS_PER_MINUTE" },
  binance: { perMinute: "BINANCE_REQUESTS_PER_MINUTE" },
  polygon: { perMinute: "POLYGON_REQUESTS_PER_MINUTE" },
  synthetic: {},
};

/** A limit: the setting when set (0 = none), else the free plan's. */
function limit(config: Config, setting: BudgetSettingName | undefined, freePlan: number | undefined): number | undefined {
  const configured = setting === undefined ? undefined : config[setting];
  if (configured === undefined) return freePlan;
  return configured === 0 ? undefined : configured;
}

/** The request budget this deployment keeps for a provider: its free plan, or the plan its settings name. */
export function providerBudget(config: Config, name: ProviderName): ProviderInfo["budget"] {
  const settings = BUDGET_SETTINGS[name];
  const { budget } = PROVIDERS[name];
  return { perMinute: limit(config, settings.perMinute, budget.perMinute), perDay: limit(config, settings.perDay, budget.perDay) };
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
