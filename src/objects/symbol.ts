import type { Env } from "../env";
import type { SymbolTarget } from "../providers/provider";

/** DESIGN.md: one object per "<provider>:<symbol>". */
export function symbolObjectName(target: SymbolTarget): string {
  return `${target.provider}:${target.symbol}`;
}

/** The stub of the single writer for this (provider, symbol). */
export function symbolObject(env: Env, target: SymbolTarget) {
  return env.SYMBOL_OBJECT.get(env.SYMBOL_OBJECT.idFromName(symbolObjectName(target)));
}
