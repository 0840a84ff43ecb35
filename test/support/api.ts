/** Calls into the Worker under test, the way a client would. */
import { env, SELF } from "cloudflare:test";

export const BASE = "http://market-data.test";

export interface JsonAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export async function call<T = Record<string, unknown>>(path: string, init?: RequestInit): Promise<JsonAnswer<T>> {
  const response = await SELF.fetch(`${BASE}${path}`, init);
  const text = await response.text();
  let body: T;
  try {
    body = JSON.parse(text) as T;
  } catch {
    throw new Error(`${init?.method ?? "GET"} ${path} answered ${response.status} with non-JSON: ${text.slice(0, 200)}`);
  }
  return { status: response.status, headers: response.headers, body };
}

export const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

/** A symbol no other test uses, so tests sharing the fixture server and storage stay independent. */
export function uniqueSymbol(prefix = "T"): string {
  return `${prefix}${crypto.randomUUID().replace(/-/g, "").slice(0, 8).toUpperCase()}`;
}

/** How many rows of a D1 table hold this symbol from this provider. */
export async function countRows(table: string, symbol: string, provider: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE symbol = ? AND provider = ?`)
    .bind(symbol, provider)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** The wave-2 full-quote fields of a price from a provider that says nothing beyond the price (synthetic, Binance). */
export const NO_QUOTE_DETAILS = {
  currency: null,
  open: null,
  high: null,
  low: null,
  previous_close: null,
  change: null,
  change_percent: null,
  volume: null,
  exchange: null,
  market_state: null,
} as const;

/** What yahoo/chart_1d_aapl_range1d_2025-02-18.json says beyond the price (test/providers/yahoo.test.ts pins how each is read). */
export const YAHOO_AAPL_RANGE1D_DETAILS = {
  currency: "USD",
  open: 244.15,
  high: 245.18,
  low: 241.84,
  previous_close: 244.6,
  change: -0.13,
  change_percent: -0.0531479967,
  volume: 48158313,
  exchange: "NMS",
  market_state: "closed",
} as const;

export interface ProviderHealth {
  status: string;
  consecutive_failures: number;
}

/** A provider's health as GET /providers shows it. */
export async function providerHealth(name: string): Promise<ProviderHealth> {
  const answer = await call<{ providers: { name: string; health: ProviderHealth | null }[] }>("/providers");
  return answer.body.providers.find((provider) => provider.name === name)!.health!;
}
