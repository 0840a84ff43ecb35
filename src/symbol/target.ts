import type { Env } from "../env";
import type { ProviderName } from "../providers/provider";

/** What one symbol object is the single writer for. */
export interface SymbolTarget {
  provider: ProviderName;
  symbol: string;
}

/** DESIGN.md: one object per "<provider>:<symbol>". */
export function symbolObjectName(target: SymbolTarget): string {
  return `${target.provider}:${target.symbol}`;
}

/** The stub of the single writer for this (provider, symbol). */
export function symbolObject(env: Env, target: SymbolTarget) {
  return env.SYMBOL_OBJECT.get(env.SYMBOL_OBJECT.idFromName(symbolObjectName(target)));
}
