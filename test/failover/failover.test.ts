import { describe, expect, it } from "vitest";
import { call, uniqueSymbol } from "../support/api";
import { eventually, sleep, startJob, stopJob, storedPoints } from "../support/jobs";
import { whenRequested } from "../support/scenario";

// This project runs with DEFAULT_PROVIDER=yfinance and FALLBACK_PROVIDERS=finnhub (vitest.config.ts).
const FINNHUB_AAPL = "finnhub/quote_aapl_2020-08-18_legacy_no_d_dp.json";
const YAHOO_AAPL = "yahoo/chart_1d_aapl_range1d_2025-02-18.json";

interface ProviderRow {
  name: string;
  health: { status: string; available: boolean } | null;
}

async function yahooHealth(): Promise<ProviderRow["health"]> {
  const answer = await call<{ providers: ProviderRow[] }>("/providers");
  return answer.body.providers.find((provider) => provider.name === "yfinance")!.health;
}

describe("failover to FALLBACK_PROVIDERS", () => {
  it("answers from finnhub while Yahoo rate-limits, shows Yahoo as rate-limited, and returns to Yahoo when it recovers", async () => {
    const symbol = uniqueSymbol("A");
    const removeLimit = await whenRequested({
      match: `/yahoo/v8/finance/chart/${symbol}`,
      responses: [{ status: 429, body: "Edge: Too Many Requests", headers: { "retry-after": "2" } }],
    });
    await whenRequested({ match: `/finnhub/api/v1/quote?symbol=${symbol}`, responses: [{ fixture: FINNHUB_AAPL }] });

    const during = await call(`/prices/latest?symbol=${symbol}`);
    expect(during.status).toBe(200);
    expect(during.body).toMatchObject({ symbol, provider: "finnhub", timestamp: "2020-08-18T20:51:47.000Z" });
    expect(await yahooHealth()).toMatchObject({ status: "rate_limited", available: false });
    const health = await call<{ providers: Record<string, string> }>("/health");
    expect(health.status).toBe(200);
    expect(health.body.providers.yfinance).toBe("rate_limited");

    await removeLimit();
    await whenRequested({ match: `/yahoo/v8/finance/chart/${symbol}`, responses: [{ fixture: YAHOO_AAPL }] });
    await sleep(2_100);
    const after = await call(`/prices/latest?symbol=${symbol}&max_age=0`);
    expect(after.body).toMatchObject({ symbol, provider: "yfinance", price: 244.47 });
    expect(await yahooHealth()).toMatchObject({ status: "ok", available: true });
  });

  it("never fails over a request that names its provider", async () => {
    const symbol = uniqueSymbol("N");
    await whenRequested({ match: `/yahoo/v8/finance/chart/${symbol}`, responses: [{ status: 503, body: "down" }] });
    await whenRequested({ match: `/finnhub/api/v1/quote?symbol=${symbol}`, responses: [{ fixture: FINNHUB_AAPL }] });

    const answer = await call(`/prices/latest?symbol=${symbol}&provider=yfinance`);
    expect(answer.status).toBe(502);
    expect(answer.body).toMatchObject({ error: { code: "provider_error", provider: "yfinance" } });
  });

  it("moves an unpinned job's polls to finnhub while Yahoo fails; points keep their true provider", async () => {
    const symbol = uniqueSymbol("M");
    await whenRequested({ match: `/yahoo/v8/finance/chart/${symbol}`, responses: [{ status: 500, body: "down" }] });
    await whenRequested({ match: `/finnhub/api/v1/quote?symbol=${symbol}`, responses: [{ fixture: FINNHUB_AAPL }] });

    const id = await startJob({ symbols: [symbol], interval: 5 });
    await eventually(async () => expect(await storedPoints(symbol, "finnhub")).toBe(1));
    expect(await storedPoints(symbol, "yfinance")).toBe(0);
    await stopJob(id);
  });
});
