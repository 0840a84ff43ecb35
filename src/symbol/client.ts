import { readConfig, type Env } from "../env";
import { requireAcceptedSymbols } from "../providers/parse";
import type { LatestQuote, ProviderName } from "../providers/provider";
import { getProvider } from "../providers/registry";
import { askWithFailover, candidates, type Ask } from "../coordinator/failover";
import { unwrap } from "../objects/outcome";
import { symbolClient } from "../objects/symbol";

/**
 * The routes' way to a price: the named provider, or DEFAULT_PROVIDER with FALLBACK_PROVIDERS behind it.
 * The answer's provider says who really answered.
 */
async function ask(env: Env, symbol: string, named: ProviderName | undefined, request: Ask): Promise<LatestQuote> {
  const chosen = named ?? readConfig(env).DEFAULT_PROVIDER;
  requireAcceptedSymbols(getProvider(chosen), [symbol]);
  return unwrap(await askWithFailover(env, symbol, candidates(env, chosen, named !== undefined), request));
}

export function latestPrice(env: Env, symbol: string, provider: ProviderName | undefined, maxAgeSeconds: number): Promise<LatestQuote> {
  return ask(env, symbol, provider, { kind: "latest", maxAgeSeconds });
}

export function pollPrice(env: Env, symbol: string, provider: ProviderName | undefined): Promise<LatestQuote> {
  return ask(env, symbol, provider, { kind: "poll" });
}

/**
 * The stored latest price, whatever its age, from the chosen provider or (unpinned) the first fallback that has
 * one; never a provider request. Undefined when none is stored.
 */
export async function storedLatestPrice(env: Env, symbol: string, named: ProviderName | undefined): Promise<LatestQuote | undefined> {
  const chosen = named ?? readConfig(env).DEFAULT_PROVIDER;
  for (const provider of candidates(env, chosen, named !== undefined)) {
    const quote = await symbolClient(env, { provider, symbol }).stored();
    if (quote) return quote;
  }
  return undefined;
}
