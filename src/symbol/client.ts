import { readConfig, type Env } from "../env";
import type { ProviderName } from "../providers/provider";
import { unwrap, type LatestQuote } from "./outcome";
import { symbolObjectName, type SymbolTarget } from "./target";

/** The stub of the single writer for this (provider, symbol). */
export function symbolObject(env: Env, target: SymbolTarget) {
  return env.SYMBOL_OBJECT.get(env.SYMBOL_OBJECT.idFromName(symbolObjectName(target)));
}

export interface LatestRequest {
  symbol: string;
  /** Named by the client: then exactly this provider answers. */
  provider?: ProviderName;
  maxAgeSeconds: number;
}

export async function latestPrice(env: Env, request: LatestRequest): Promise<LatestQuote> {
  const provider = request.provider ?? readConfig(env).DEFAULT_PROVIDER;
  const target = { provider, symbol: request.symbol };
  return unwrap(await symbolObject(env, target).latest(target, request.maxAgeSeconds));
}

export async function pollPrice(env: Env, symbol: string, provider?: ProviderName): Promise<LatestQuote> {
  const target = { provider: provider ?? readConfig(env).DEFAULT_PROVIDER, symbol };
  return unwrap(await symbolObject(env, target).poll(target));
}
