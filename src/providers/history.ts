/**
 * Provider history (OHLCV bars): the interface every provider's history file implements, and the shared
 * query -> extract -> transform step for one request. Each provider's quirks stay in its own
 * `<provider>-history.ts`; windows, storage and paging are src/history/'s.
 */
import { ApiError } from "../errors";
import { AnsweredWithError, extract, ProviderAnswerError, rawResponseOf, withoutKey } from "./http";
import { requireApiKey } from "./parse";
import type { BarInterval } from "./bar-intervals";
import type { ProviderConfig, ProviderName, ProviderRequest, ProviderResponse, RawResponse } from "./provider";

/** History answers are bigger than quotes (a month of minute bars is a few MB), and bounded by the windows. */
export const MAX_HISTORY_BODY_BYTES = 8 * 1024 * 1024;

export { BAR_INTERVALS, INTERVAL_MS, type BarInterval } from "./bar-intervals";

/** One bar as the provider reported it. `timestamp` is the bar's start, epoch ms. */
export interface Bar {
  timestamp: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** As the provider says (0 stays 0); null when it says nothing. */
  volume: number | null;
  /** Where the provider gives one, else null. */
  adjustedClose: number | null;
}

/** Bars of one symbol and interval in [from, to) (epoch ms). */
export interface BarQuery {
  symbol: string;
  interval: BarInterval;
  from: number;
  to: number;
}

/** What one answer holds: its bars and, for a paged answer (Polygon's next_url), the request for the rest. */
export interface BarPage {
  bars: Bar[];
  next: ProviderRequest | null;
  /** The exchange's IANA time zone, where the answer names it. */
  timeZone?: string;
}

export interface HistoryProvider {
  name: ProviderName;
  /** The intervals this provider has bars for. */
  intervals: readonly BarInterval[];
  needsKey: boolean;
  /** The query as provider-sized requests (the provider's bars-per-request bound), oldest first. */
  split(query: BarQuery): BarQuery[];
  /** How far back from now the provider serves this interval; undefined = as far as it has data. */
  lookbackMs(interval: BarInterval): number | undefined;
  query(query: BarQuery, config: ProviderConfig): ProviderRequest;
  /** The answer's bars. Throws ApiError for an error answer (HTTP 200 ones included). */
  transform(response: ProviderResponse, query: BarQuery, config: ProviderConfig): BarPage;
  /** Providers that need no network (synthetic) produce their answer here. */
  answerOffline?: (request: ProviderRequest, now: number) => ProviderResponse;
}

export interface FetchedBars extends BarPage {
  raw: RawResponse;
}

/** One provider request for bars (the query's, or a page's `next` as `followUp`), with the raw answer kept for storage. */
export async function fetchBars(
  provider: HistoryProvider,
  query: BarQuery,
  config: ProviderConfig,
  followUp?: ProviderRequest,
): Promise<FetchedBars> {
  if (provider.needsKey) requireApiKey(provider.name, config);
  const request = followUp ?? provider.query(query, config);
  let response: ProviderResponse | undefined;
  let page: BarPage;
  try {
    response = await extract(provider, request, config, MAX_HISTORY_BODY_BYTES);
    page = provider.transform(response, query, config);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const answer = error instanceof AnsweredWithError ? error.response : response;
    const message = withoutKey(error.message, config.apiKey);
    const clean = new ApiError(error.code, message, error.extras);
    // Failed answers are kept too, as for quotes, so a failed backfill step can be traced.
    throw answer ? new ProviderAnswerError(clean, rawResponseOf(provider, request, answer, config.apiKey)) : clean;
  }
  return { ...page, raw: rawResponseOf(provider, request, response, config.apiKey) };
}

/** The most requests one range may be split into: a plan, or a hint, stays small enough to hold. */
export const MAX_REQUESTS_PER_RANGE = 10_000;

/** 422 for a range that would take more than MAX_REQUESTS_PER_RANGE requests. */
export function requireFewRequests(count: number): void {
  if (count > MAX_REQUESTS_PER_RANGE) {
    throw new ApiError(
      "invalid_request",
      `the range takes ${count} provider requests, more than ${MAX_REQUESTS_PER_RANGE}: ask for a shorter range or a longer interval`,
    );
  }
}

/** [from, to) cut into consecutive windows of at most `span` ms. */
export function splitBySpan(query: BarQuery, span: number): BarQuery[] {
  requireFewRequests(Math.ceil((query.to - query.from) / span));
  const windows: BarQuery[] = [];
  for (let from = query.from; from < query.to; from += span) windows.push({ ...query, from, to: Math.min(query.to, from + span) });
  return windows;
}
