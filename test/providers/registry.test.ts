/** The provider map: one provider per name, and each provider's settings taken from the validated config. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ConfigSchema, readConfig } from "../../src/env";
import { PROVIDER_NAMES } from "../../src/providers/provider";
import { getProvider, isConfigured, PROVIDERS, providerConfig } from "../../src/providers/registry";

describe("the provider map", () => {
  it("holds exactly one provider for every provider name, under its own name", () => {
    expect(Object.keys(PROVIDERS).sort()).toEqual([...PROVIDER_NAMES].sort());
    for (const name of PROVIDER_NAMES) expect(getProvider(name).name).toBe(name);
  });

  it("declares each provider's limits", () => {
    const limits = Object.fromEntries(
      PROVIDER_NAMES.map((name) => {
        const { minInterval, batchSize, needsKey, budget } = getProvider(name);
        return [name, { minInterval, batchSize, needsKey, budget }];
      }),
    );

    expect(limits).toEqual({
      yfinance: { minInterval: 5, batchSize: 1, needsKey: false, budget: { perMinute: 60 } },
      alpha_vantage: { minInterval: 15, batchSize: 1, needsKey: true, budget: { perMinute: 5, perDay: 25 } },
      finnhub: { minInterval: 1, batchSize: 1, needsKey: true, budget: { perMinute: 60 } },
      binance: { minInterval: 1, batchSize: 100, needsKey: false, budget: { perMinute: 1200 } },
      polygon: { minInterval: 12, batchSize: 1, needsKey: true, budget: { perMinute: 5 } },
      synthetic: { minInterval: 1, batchSize: 500, needsKey: false, budget: {} },
    });
  });

  it("maps the deployed defaults: no keys, so alpha_vantage and finnhub are not configured", () => {
    const config = ConfigSchema.parse({});

    expect(PROVIDER_NAMES.map((name) => [name, providerConfig(config, name), isConfigured(config, name)])).toEqual([
      ["yfinance", { baseUrl: "https://query1.finance.yahoo.com", timeoutMs: 8000 }, true],
      ["alpha_vantage", { baseUrl: "https://www.alphavantage.co", apiKey: undefined, timeoutMs: 8000 }, false],
      ["finnhub", { baseUrl: "https://finnhub.io/api/v1", apiKey: undefined, timeoutMs: 8000 }, false],
      ["binance", { baseUrl: "https://api.binance.com", timeoutMs: 8000 }, true],
      ["polygon", { baseUrl: "https://api.polygon.io", apiKey: undefined, timeoutMs: 8000, latestFrom: "prev" }, false],
      ["synthetic", { baseUrl: "synthetic://local", timeoutMs: 8000 }, true],
    ]);
  });

  it("maps base URLs, keys and the timeout from the env", () => {
    const config = readConfig(env);
    const server = env.FIXTURE_SERVER_URL;

    expect(providerConfig(config, "yfinance")).toEqual({ baseUrl: `${server}/yahoo`, timeoutMs: 1500 });
    expect(providerConfig(config, "alpha_vantage")).toEqual({
      baseUrl: `${server}/alphavantage`,
      apiKey: "test-alpha-vantage-key-7f3a",
      timeoutMs: 1500,
    });
    expect(providerConfig(config, "finnhub")).toEqual({
      baseUrl: `${server}/finnhub/api/v1`,
      apiKey: "test-finnhub-token-91c2",
      timeoutMs: 1500,
    });
    expect(providerConfig(config, "binance")).toEqual({ baseUrl: `${server}/binance`, timeoutMs: 1500 });
    expect(providerConfig(config, "polygon")).toEqual({
      baseUrl: `${server}/polygon`,
      apiKey: "test-polygon-key-3b8e",
      timeoutMs: 1500,
      latestFrom: "prev",
    });
    expect(PROVIDER_NAMES.every((name) => isConfigured(config, name))).toBe(true);
  });

  it("treats a blank key as no key", () => {
    const config = ConfigSchema.parse({ FINNHUB_API_KEY: "  ", ALPHA_VANTAGE_API_KEY: "" });

    expect(isConfigured(config, "finnhub")).toBe(false);
    expect(isConfigured(config, "alpha_vantage")).toBe(false);
  });
});
