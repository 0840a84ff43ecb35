/**
 * Helpers every provider file shares, written once: the one-symbol guard, the key check, decimal strings, and
 * the loop that turns a batch answer into one quote or one failure per symbol asked for.
 */
import { z } from "zod";
import { ApiError } from "../errors";
import type { ProviderConfig, ProviderInfo, ProviderName, Quote, QuoteBatchParts } from "./provider";

/** The symbol of a one-symbol request; asking such a provider for more is a programming error, not a client's. */
export function onlySymbol(provider: ProviderName, symbols: readonly string[]): string {
  const [symbol] = symbols;
  if (symbol === undefined || symbols.length > 1) {
    throw new Error(`${provider} quotes exactly one symbol per request, was asked for ${symbols.length}`);
  }
  return symbol;
}

/** The API key of a provider that needs one: without it, 503 provider_not_configured before any request. */
export function requireApiKey(provider: ProviderName, config: ProviderConfig): string {
  if (!config.apiKey) throw notConfigured(provider);
  return config.apiKey;
}

/** 503 provider_not_configured: the provider needs an API key and the deployment has none for it. */
export function notConfigured(provider: ProviderName): ApiError {
  return new ApiError("provider_not_configured", `${provider} needs an API key, and none is configured`, { provider });
}

/** A number sent as a string ("112.1300", "-0.6600"); a sign is allowed, exponents and blanks are not. */
export const DecimalString = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, "a decimal number as a string")
  .transform(Number)
  .pipe(z.number());

/** A price sent as a string: a decimal above zero. */
export const PriceString = DecimalString.pipe(z.number().positive());

/**
 * The batch loop: one quote per symbol found in the answer, a failure for each one the answer left out.
 * `missing` says what a left-out symbol means for this provider.
 */
export function quotesForSymbols<T>(
  symbols: readonly string[],
  found: ReadonlyMap<string, T>,
  toQuote: (symbol: string, item: T) => Quote,
  missing: (symbol: string) => ApiError,
): QuoteBatchParts {
  const parts: QuoteBatchParts = { quotes: new Map(), failures: new Map() };
  for (const symbol of symbols) {
    const item = found.get(symbol);
    if (item === undefined) parts.failures.set(symbol, missing(symbol));
    else parts.quotes.set(symbol, toQuote(symbol, item));
  }
  return parts;
}

/** A detail that may be missing, null or of another type: whatever is not a finite number reads as null. */
export const DetailNumber = z.number().nullish().catch(null).transform((value) => value ?? null);

/** A detail sent as a decimal string: whatever is not one reads as null. */
export const DetailDecimalString = DecimalString.nullish().catch(null).transform((value) => value ?? null);

/** A detail text: an empty or missing one reads as null. */
export const DetailText = z.string().nullish().catch(null).transform((value) => (value ? value : null));

/** Differences of binary floats carry noise (244.47 - 244.6 = -0.13000000000002388): ten decimals are plenty. */
function withoutFloatNoise(value: number): number {
  return Math.round(value * 1e10) / 1e10;
}

/** change and change percent of a price against the previous close, as API.md defines them; null without one. */
export function changeSince(price: number, previousClose: number | null): { change: number | null; changePercent: number | null } {
  if (previousClose === null || previousClose <= 0) return { change: null, changePercent: null };
  const change = price - previousClose;
  return { change: withoutFloatNoise(change), changePercent: withoutFloatNoise((change / previousClose) * 100) };
}

/** 422 for a symbol the provider can never answer, naming the provider and what it accepts. */
export function symbolNotAccepted(provider: ProviderInfo, symbols: readonly string[]): ApiError {
  const list = symbols.join(", ");
  return new ApiError("invalid_request", `${provider.name} accepts symbols of ${provider.symbols.description}; ${list} ${symbols.length === 1 ? "is" : "are"} not one`, {
    provider: provider.name,
    details: { refused: [...symbols], accepts: provider.symbols.pattern.source },
  });
}

/** The symbols of `symbols` this provider can never answer (API.md: refused with 422 before any request). */
export function unacceptedSymbols(provider: ProviderInfo, symbols: readonly string[]): string[] {
  return symbols.filter((symbol) => !provider.symbols.pattern.test(symbol));
}

/** Throws the 422 when any of `symbols` is one the provider can never answer. */
export function requireAcceptedSymbols(provider: ProviderInfo, symbols: readonly string[]): void {
  const refused = unacceptedSymbols(provider, symbols);
  if (refused.length > 0) throw symbolNotAccepted(provider, refused);
}
