/**
 * src/providers/ owns each vendor's HTTP and nothing of storage: the Provider interface and the Quote (here), one
 * file per provider (and one per provider's history), the provider map (registry.ts, history-registry.ts), what
 * every answer goes through (http.ts: timeout, byte cap, status, raw answer) and what provider files share
 * (parse.ts). "Add a provider" = one file here + one line in registry.ts + its fixture tests.
 */
import type { ApiError } from "../errors";

export const PROVIDER_NAMES = ["yfinance", "alpha_vantage", "finnhub", "binance", "polygon", "synthetic"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/**
 * Names clients of the seed's service use for the same providers (API.md, "Clients of the seed's service").
 * Accepted wherever a provider is named; every answer names the canonical provider.
 */
export const PROVIDER_ALIASES = {
  yahoo: "yfinance",
  yahoo_finance: "yfinance",
  alphavantage: "alpha_vantage",
} as const satisfies Record<string, ProviderName>;

export type ProviderAlias = keyof typeof PROVIDER_ALIASES;
export const PROVIDER_NAMES_AND_ALIASES: readonly [ProviderName, ...(ProviderName | ProviderAlias)[]] = [
  ...PROVIDER_NAMES,
  "yahoo",
  "yahoo_finance",
  "alphavantage",
];

function isAlias(name: string): name is ProviderAlias {
  return Object.hasOwn(PROVIDER_ALIASES, name);
}

/** The canonical name of a provider named by its name or one of its aliases. */
export function canonicalProviderName(name: ProviderName | ProviderAlias): ProviderName {
  return isAlias(name) ? PROVIDER_ALIASES[name] : name;
}

/** Where the market of a quote is, when the provider says: API.md "Full quotes". */
export const MARKET_STATES = ["pre", "regular", "post", "closed"] as const;
export type MarketState = (typeof MARKET_STATES)[number];

/**
 * What a provider said about a quote beyond its price (API.md "Full quotes"); null where it said nothing.
 * open/high/low/volume are the current session's; change = price - previousClose; changePercent in percent.
 */
export interface QuoteDetails {
  currency: string | null;
  open: number | null;
  high: number | null;
  low: number | null;
  previousClose: number | null;
  change: number | null;
  changePercent: number | null;
  volume: number | null;
  exchange: string | null;
  marketState: MarketState | null;
}

export const QUOTE_DETAIL_KEYS = [
  "currency",
  "open",
  "high",
  "low",
  "previousClose",
  "change",
  "changePercent",
  "volume",
  "exchange",
  "marketState",
] as const satisfies readonly (keyof QuoteDetails)[];

/** Every detail of a quote, null for those it lacks (an absent field and a null one mean the same). */
export function quoteDetails(quote: Partial<QuoteDetails>): QuoteDetails {
  return {
    currency: quote.currency ?? null,
    open: quote.open ?? null,
    high: quote.high ?? null,
    low: quote.low ?? null,
    previousClose: quote.previousClose ?? null,
    change: quote.change ?? null,
    changePercent: quote.changePercent ?? null,
    volume: quote.volume ?? null,
    exchange: quote.exchange ?? null,
    marketState: quote.marketState ?? null,
  };
}

/**
 * Our standard quote: one price at the provider's own quote time, with whatever details the provider gave
 * (a detail left out is null: providers that only give a price, like Binance's ticker, set none).
 */
export interface Quote extends Partial<QuoteDetails> {
  symbol: string;
  price: number;
  /** The provider's quote time, epoch milliseconds (Binance has none: then the time the answer arrived). */
  timestamp: number;
  provider: ProviderName;
}

/** One (provider, symbol) pair: what one symbol object is the single writer for. */
export interface SymbolTarget {
  provider: ProviderName;
  symbol: string;
}

/** The latest quote of one symbol as its symbol object knows it, details included. Plain data: it crosses RPC. */
export interface LatestQuote extends Partial<QuoteDetails> {
  symbol: string;
  provider: ProviderName;
  price: number;
  /** Provider quote time, epoch ms. */
  timestamp: number;
  rawResponseId: string;
  /** When we last asked the provider and it answered with this quote, epoch ms. */
  checkedAt: number;
}

/** What the provider said, kept so that every stored price can be traced back to it. */
export interface RawResponse {
  provider: ProviderName;
  /** Request URL with every key/token redacted. */
  url: string;
  httpStatus: number;
  /** The body, or its first MAX_STORED_BODY_BYTES (http.ts) when it was longer: then `bodyTruncated`. */
  body: string;
  /** Size of the whole body as received, in UTF-8 bytes (up to the read cap). */
  bodyBytes: number;
  bodyTruncated: boolean;
  /** Epoch ms when the answer arrived. */
  fetchedAt: number;
}

/**
 * The outcome of one provider request for one or more symbols. A raw response is present whenever the
 * provider answered at all, so that failures can be traced too.
 */
export interface QuoteBatch {
  raw: RawResponse | null;
  /** Quotes keyed by the symbol we asked for (upper-case, as requested). */
  quotes: Map<string, Quote>;
  /** Per-symbol failures (unknown symbol in a batch answer, ...). A symbol is in exactly one of the two maps. */
  failures: Map<string, ApiError>;
}

/** Settings every provider reads from the env (already validated by env.ts). */
export interface ProviderConfig {
  baseUrl: string;
  apiKey?: string;
  timeoutMs: number;
  /** Polygon: the latest price from the previous-day aggregate (free plan) or the last trade (paid plans). */
  latestFrom?: "prev" | "last_trade";
}

/** Which symbols of API.md's grammar a provider can ever answer; the others are refused before any request. */
export interface SymbolRule {
  /** Matched against the upper-cased symbol, which already passed API.md's grammar. */
  pattern: RegExp;
  /** What the pattern accepts, in words, with examples: quoted in the 422 that refuses a symbol. */
  description: string;
}

export interface ProviderInfo {
  name: ProviderName;
  symbols: SymbolRule;
  /** Smallest polling interval in seconds this provider accepts (its free-tier politeness). */
  minInterval: number;
  /** How many symbols one request can quote; 1 means no batching. */
  batchSize: number;
  /** Whether an API key is required. */
  needsKey: boolean;
  /** Requests per minute / per day the free tier allows, for budgets; undefined = no known limit. */
  budget: { perMinute?: number; perDay?: number };
}

/**
 * A provider: three steps, each small and pure where it can be.
 * query (symbols -> request URL) -> extract (HTTP, with timeout) -> transform (body -> Quotes or errors).
 * The whole thing is done by `fetchQuotes`, shared in http.ts; a provider file supplies the steps.
 */
export interface Provider extends ProviderInfo {
  /** Build the request for these symbols (at most batchSize). */
  query(symbols: readonly string[], config: ProviderConfig, now: number): ProviderRequest;
  /**
   * Turn an HTTP answer into quotes. Throws ApiError for a whole-response failure (rate limit, malformed,
   * error body); reports per-symbol failures in the batch.
   */
  transform(response: ProviderResponse, symbols: readonly string[]): QuoteBatchParts;
  /** Providers that need no network (synthetic) produce their answer here instead of over HTTP. */
  answerOffline?: (request: ProviderRequest, now: number) => ProviderResponse;
}

export interface QuoteBatchParts {
  quotes: Map<string, Quote>;
  failures: Map<string, ApiError>;
}

export interface ProviderRequest {
  url: string;
  headers?: Record<string, string>;
}

export interface ProviderResponse {
  status: number;
  body: string;
  headers: Headers;
  /** Epoch ms when the answer arrived. */
  receivedAt: number;
}
