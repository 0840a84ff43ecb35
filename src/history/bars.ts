/**
 * src/history/ owns historical bars: answering GET /prices/bars (from the store, filled from the provider for a
 * range it lacks, or built from stored price points), the provider requests for bars (fetch.ts, through the
 * provider's budget), the bar store (store.ts), and backfill jobs (backfill-*.ts), which fill long ranges in
 * provider-sized requests. Each provider's history quirks live in src/providers/<provider>-history.ts.
 */
import type { Env } from "../env";
import { ApiError } from "../errors";
import type { Bar, BarInterval } from "../providers/history";
import { getHistoryProvider } from "../providers/history-registry";
import { requireAcceptedSymbols } from "../providers/parse";
import type { ProviderName } from "../providers/provider";
import { getProvider } from "../providers/registry";
import { database } from "../store/db";
import { gapsIn, type Span } from "./coverage";
import { budgetSpent, fetchWindowPage, takeBudget } from "./fetch";
import { barsFromPoints } from "./points";
import { readBars, readCoverage, type BarSeries } from "./store";

/** Provider requests one GET /prices/bars may make; a range needing more is answered with a backfill hint. */
export const MAX_REQUESTS_PER_CALL = 3;

export type BarSource = "provider" | "points";

export interface BarsRequest {
  symbol: string;
  provider: ProviderName;
  interval: BarInterval;
  span: Span;
  limit: number;
  source: BarSource;
  /** A client without a key while API_KEYS is set (src/access/api-keys.ts): the store answers, the provider is never asked. */
  storedOnly: boolean;
}

/** What the store lacks in the range and how many provider requests it would take: a backfill's job. */
export interface BackfillHint {
  missing: Span[];
  requests: number;
  /** Why nothing was fetched: too many requests for one call, or a client that may not spend the provider's budget. */
  reason: "too_many_requests" | "api_key_required";
}

export interface BarsAnswer {
  bars: Bar[];
  /** The bars after the last one returned exist: the next page starts after it. */
  more: boolean;
  backfill: BackfillHint | null;
}

/** 422 for an interval the provider has no bars for, naming the ones it has. */
export function requireInterval(provider: ProviderName, interval: BarInterval): void {
  const { intervals } = getHistoryProvider(provider);
  if (!intervals.includes(interval)) {
    throw new ApiError("invalid_request", `${provider} has no ${interval} bars; its intervals are ${intervals.join(", ")}`, {
      provider,
      details: { intervals },
    });
  }
}

export async function answerBars(env: Env, request: BarsRequest): Promise<BarsAnswer> {
  const db = database(env.DB);
  const series: BarSeries = { symbol: request.symbol, provider: request.provider, interval: request.interval };
  if (request.source === "points") {
    const bars = await barsFromPoints(db, series, request.span, request.limit + 1);
    return { bars: bars.slice(0, request.limit), more: bars.length > request.limit, backfill: null };
  }
  requireAcceptedSymbols(getProvider(request.provider), [request.symbol]);
  requireInterval(request.provider, request.interval);
  const backfill = await fillFromProvider(env, series, request.span, request.storedOnly);
  const bars = await readBars(db, series, request.span, request.limit + 1);
  return { bars: bars.slice(0, request.limit), more: bars.length > request.limit, backfill };
}

/**
 * Ask the provider for the parts of `span` the store does not hold, if that takes at most
 * MAX_REQUESTS_PER_CALL requests and the client may spend the provider's budget; otherwise ask nothing and say
 * what a backfill would have to fetch. Only the reachable part counts: nothing after now, nothing older than the
 * provider serves for the interval.
 */
async function fillFromProvider(env: Env, series: BarSeries, span: Span, storedOnly: boolean): Promise<BackfillHint | null> {
  const history = getHistoryProvider(series.provider);
  const db = database(env.DB);
  const now = Date.now();
  const lookback = history.lookbackMs(series.interval);
  const reachable = { from: lookback === undefined ? span.from : Math.max(span.from, now - lookback), to: Math.min(span.to, now) };
  if (reachable.to <= reachable.from) return null;
  const gaps = gapsIn(reachable, await readCoverage(db, series, reachable));
  const windows = gaps.flatMap((gap) => history.split({ symbol: series.symbol, interval: series.interval, ...gap }));
  if (windows.length === 0) return null;
  if (storedOnly) return { missing: gaps, requests: windows.length, reason: "api_key_required" };
  if (windows.length > MAX_REQUESTS_PER_CALL) return { missing: gaps, requests: windows.length, reason: "too_many_requests" };
  let requests = 0;
  for (const [index, window] of windows.entries()) {
    let next = undefined;
    do {
      if (requests === MAX_REQUESTS_PER_CALL) {
        // A paged window ran past the bound: the rest is a backfill's.
        const missing = gapsIn(reachable, await readCoverage(db, series, reachable));
        return { missing, requests: windows.length - index, reason: "too_many_requests" };
      }
      const budget = await takeBudget(env, series.provider);
      if (!budget.granted) throw budgetSpent(series.provider, budget.retryAfterMs);
      requests += 1;
      next = (await fetchWindowPage(env, series.provider, window, next)).next ?? undefined;
    } while (next);
  }
  return null;
}
