/**
 * Provider plans (API.md "Provider plans"): each provider's request budget is its free plan unless a setting
 * names a paid one (`<PROVIDER>_REQUESTS_PER_MINUTE`, `_PER_DAY` where the provider counts days); /providers
 * shows the budget in force. The test run sets FINNHUB_REQUESTS_PER_MINUTE=300 (vitest.config.ts).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/env";
import { providerBudget } from "../../src/providers/registry";
import { call, uniqueSymbol } from "../support/api";
import { whenRequested } from "../support/scenario";

interface ProviderRow {
  name: string;
  budget: { per_minute: number | null; per_day: number | null };
  symbols: { pattern: string; accepts: string };
}

describe("provider budgets as settings", () => {
  it("shows each provider's budget in /providers: free plans by default, the setting where one is set", async () => {
    const answer = await call<{ providers: ProviderRow[] }>("/providers");

    expect(answer.status).toBe(200);
    const budgets = Object.fromEntries(answer.body.providers.map((provider) => [provider.name, provider.budget]));
    expect(budgets).toEqual({
      yfinance: { per_minute: 60, per_day: null },
      alpha_vantage: { per_minute: 5, per_day: 25 },
      finnhub: { per_minute: 300, per_day: null },
      binance: { per_minute: 1200, per_day: null },
      polygon: { per_minute: 5, per_day: null },
      synthetic: { per_minute: null, per_day: null },
    });
    const binance = answer.body.providers.find((provider) => provider.name === "binance");
    expect(binance?.symbols).toEqual({ pattern: "^[A-Z0-9_.-]{1,20}$", accepts: expect.stringContaining("BTCUSDT") });
  });

  it("lets a paid Finnhub plan ask more than the free plan's 60 requests in a minute", async () => {
    const prefix = uniqueSymbol("PL");
    await whenRequested({ match: `/finnhub/api/v1/quote?symbol=${prefix}`, responses: [{ fixture: "finnhub/quote_aapl_2020-08-18_legacy_no_d_dp.json" }] });
    const symbols = Array.from({ length: 65 }, (_, index) => `${prefix}${index}`);

    const statuses: number[] = [];
    for (let start = 0; start < symbols.length; start += 8) {
      const answers = await Promise.all(symbols.slice(start, start + 8).map((symbol) => call(`/poll/${symbol}?provider=finnhub`, { method: "POST" })));
      statuses.push(...answers.map((answer) => answer.status));
    }

    expect(statuses.filter((status) => status !== 200)).toEqual([]);
  });

  it.each([
    ["FINNHUB_REQUESTS_PER_MINUTE", "lots"],
    ["ALPHA_VANTAGE_REQUESTS_PER_DAY", "-1"],
    ["BINANCE_REQUESTS_PER_MINUTE", "1.5"],
  ])("refuses %s=%s at startup, naming the setting", (name, value) => {
    expect(() => readConfig({ ...env, [name]: value })).toThrow(name);
  });

  it("reads 0 as no limit of ours, and a per-day setting where the provider counts days", () => {
    // Alpha Vantage's premium plans: 75 a minute and no daily limit.
    const premium = { ...env, ALPHA_VANTAGE_REQUESTS_PER_MINUTE: "75", ALPHA_VANTAGE_REQUESTS_PER_DAY: "0" };
    const config = readConfig(premium);

    expect(providerBudget(config, "alpha_vantage")).toEqual({ perMinute: 75, perDay: undefined });
    expect(providerBudget(readConfig(env), "alpha_vantage")).toEqual({ perMinute: 5, perDay: 25 });
  });
});
