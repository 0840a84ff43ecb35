/**
 * Provider requests for bars, shared by /prices/bars and backfill jobs: every request takes a token from the
 * provider's request budget (its coordinator object), stores its raw answer (failed ones too), upserts the
 * answer's bars within the window asked for, and marks the window as held once its last page is in.
 */
import { readConfig, type Env } from "../env";
import { type ApiError } from "../errors";
import { fetchBars, INTERVAL_MS, type BarQuery } from "../providers/history";
import { getHistoryProvider } from "../providers/history-registry";
import { ProviderAnswerError, rateLimited } from "../providers/http";
import type { ProviderName, ProviderRequest } from "../providers/provider";
import { providerConfig } from "../providers/registry";
import { providerClient } from "../objects/provider";
import { database } from "../store/db";
import { identifyRaw, storeFailedAnswer, storeRawResponse } from "../store/prices";
import { addCoverage, upsertBars } from "./store";

export interface PageResult {
  /** Bars of the window the answer held. */
  answered: number;
  /** Of those, bars that were new or changed. */
  stored: number;
  /** The request for the window's next page (Polygon's next_url), or null when the window is complete. */
  next: ProviderRequest | null;
}

/** Take one request from the provider's budget, or say how long until one is free (ms). */
export async function takeBudget(env: Env, provider: ProviderName): Promise<{ granted: true } | { granted: false; retryAfterMs: number }> {
  return providerClient(env, provider).acquire();
}

/** The budget's refusal as API.md's 503, for callers that do not wait. */
export function budgetSpent(provider: ProviderName, retryAfterMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return rateLimited(provider, seconds, `this deployment's request budget for ${provider} is used up; retry in ${seconds} s`);
}

/** One request (budget already taken) for `window`, or for its page `followUp`. */
export async function fetchWindowPage(env: Env, provider: ProviderName, window: BarQuery, followUp?: ProviderRequest): Promise<PageResult> {
  const db = database(env.DB);
  const config = providerConfig(readConfig(env), provider);
  let page;
  try {
    page = await fetchBars(getHistoryProvider(provider), window, config, followUp);
  } catch (error) {
    if (error instanceof ProviderAnswerError) await storeFailedAnswer(db, error.raw, [window.symbol]);
    throw error;
  }
  const raw = identifyRaw(page.raw, [window.symbol]);
  await storeRawResponse(db, raw);
  // Providers answer more than was asked for (Alpha Vantage's daily series is the whole history): only the
  // window's bars are stored, so what a window holds is exactly what was fetched for it.
  const bars = page.bars.filter((bar) => bar.timestamp >= window.from && bar.timestamp < window.to);
  const series = { symbol: window.symbol, provider, interval: window.interval };
  const stored = await upsertBars(db, series, bars, raw.id);
  if (!page.next) {
    // A bar that had not ended when the answer came is still forming: the window is held only up to it.
    await addCoverage(db, series, { from: window.from, to: Math.min(window.to, page.raw.fetchedAt - INTERVAL_MS[window.interval]) });
  }
  return { answered: bars.length, stored, next: page.next };
}
