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
