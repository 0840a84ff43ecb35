import { readConfig, type Env } from "../env";
import type { ErrorCode, WireError } from "../errors";
import { providerClient } from "../objects/provider";
import type { LatestQuote, ProviderName } from "../providers/provider";
import { symbolClient } from "../objects/symbol";
import type { Outcome } from "../objects/outcome";

/** Failures that say "this provider, now" rather than "this request": another provider may do better. */
const FAILOVER_CODES: ReadonlySet<ErrorCode> = new Set(["provider_rate_limited", "provider_error", "provider_timeout", "provider_not_configured"]);

export function isFailover(error: WireError): boolean {
  return FAILOVER_CODES.has(error.code);
}

export type Ask = { kind: "latest"; maxAgeSeconds: number } | { kind: "poll" };

/** The providers to try, in order: the chosen one, then FALLBACK_PROVIDERS (when the choice was not pinned). */
export function candidates(env: Env, chosen: ProviderName, pinned: boolean): ProviderName[] {
  if (pinned) return [chosen];
  const fallbacks = readConfig(env).FALLBACK_PROVIDERS.filter((provider) => provider !== chosen);
  return [chosen, ...fallbacks];
}

/**
 * Ask each candidate's symbol object in turn. A provider known to be rate-limited or failing is skipped
 * (unless it is the last hope); a failover-able failure moves on to the next one. Points always keep the
 * provider that really answered, since each provider's symbol object writes its own.
 */
export async function askWithFailover(env: Env, symbol: string, providers: readonly ProviderName[], ask: Ask): Promise<Outcome<LatestQuote>> {
  let last: Outcome<LatestQuote> | undefined;
  for (const [index, provider] of providers.entries()) {
    const isLast = index === providers.length - 1;
    if (providers.length > 1 && !isLast && !(await providerClient(env, provider).available())) continue;
    const writer = symbolClient(env, { provider, symbol });
    const outcome = ask.kind === "latest" ? await writer.latest(ask.maxAgeSeconds) : await writer.poll();
    if (outcome.ok || !isFailover(outcome.error)) return outcome;
    last = outcome;
  }
  return last!;
}
