/**
 * Providers on this machine: test/support/fixture-server.ts answering with the recorded shapes of
 * ../shared/fixtures/providers, the symbols and prices substituted, after `delayMs` like a remote API.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { FIXTURES_DIR, FixtureServer } from "../../test/support/fixture-server";
import { requestJson } from "./http";

/** Recorded bodies the stand-in answers with (binance: one ticker object; finnhub: one /quote body). */
const BINANCE_TICKER = "binance/ticker_price_single_doc_example.json";
const FINNHUB_QUOTE = "finnhub/quote_aapl_2020-08-18_legacy_no_d_dp.json";

export interface RecordedRequest {
  method: string;
  url: string;
  at: number;
}

function readRecorded(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(FIXTURES_DIR, name), "utf8")) as Record<string, unknown>;
}

/** A made-up but stable price per symbol index. */
function priceOf(index: number): number {
  return 100 + index * 0.37;
}

export class ProviderStandIn {
  private constructor(
    private readonly server: FixtureServer,
    readonly url: string,
  ) {}

  static async start(): Promise<ProviderStandIn> {
    const server = new FixtureServer();
    return new ProviderStandIn(server, await server.listen());
  }

  /** Settings that point the service's providers here. */
  providerVars(): Record<string, string> {
    return {
      BINANCE_BASE_URL: `${this.url}/binance`,
      FINNHUB_BASE_URL: `${this.url}/finnhub/api/v1`,
      YFINANCE_BASE_URL: `${this.url}/yahoo`,
      ALPHA_VANTAGE_BASE_URL: `${this.url}/alphavantage`,
    };
  }

  /**
   * Binance ticker/price for these symbols in batches of `batchSize`, each batch answered with exactly its
   * symbols (an array of recorded ticker objects), as Binance does. A request for another grouping still gets
   * every symbol (the fallback rule), so a change of batching shows in the request count, not as failures.
   */
  serveBinance(symbols: readonly string[], batchSize: number, delayMs: number): void {
    const template = readRecorded(BINANCE_TICKER);
    const ticker = (symbol: string) => ({ ...template, symbol, price: priceOf(symbols.indexOf(symbol)).toFixed(8) });
    this.server.addRule({ match: "/binance/api/v3/ticker/price?", responses: [{ json: symbols.map(ticker), delayMs }] });
    for (let start = 0; start < symbols.length; start += batchSize) {
      const batch = symbols.slice(start, start + batchSize);
      const query = `symbols=${encodeURIComponent(JSON.stringify(batch))}`;
      this.server.addRule({ match: `/binance/api/v3/ticker/price?${query}`, responses: [{ json: batch.map(ticker), delayMs }] });
    }
  }

  /** Finnhub /quote for each symbol: the recorded body with c (price) and t (quote time, now) substituted. */
  serveFinnhub(symbols: readonly string[], delayMs: number): void {
    const template = readRecorded(FINNHUB_QUOTE);
    const quoteTime = Math.floor(Date.now() / 1000);
    symbols.forEach((symbol, index) => {
      const body = { ...template, c: priceOf(index), t: quoteTime };
      this.server.addRule({ match: `/finnhub/api/v1/quote?symbol=${encodeURIComponent(symbol)}&`, responses: [{ json: body, delayMs }] });
    });
  }

  /** Requests the stand-in received whose path+query contains `match`, since `since` (epoch ms). */
  async requests(match: string, since: number): Promise<RecordedRequest[]> {
    const answer = await requestJson<{ requests: RecordedRequest[] }>(`${this.url}/__requests?match=${encodeURIComponent(match)}`);
    return answer.body.requests.filter((request) => request.at >= since);
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
