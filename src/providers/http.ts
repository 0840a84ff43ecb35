import { ApiError } from "../errors";
import type { Provider, ProviderConfig, ProviderRequest, ProviderResponse, QuoteBatch, QuoteBatchParts } from "./provider";

/** Query parameters whose values are secrets; redacted before a URL is stored, logged or answered. */
const SECRET_PARAMS = /^(api_?key|apikey|token|access_token|key|secret|signature|crumb|password)$/i;

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    for (const name of [...parsed.searchParams.keys()]) {
      if (SECRET_PARAMS.test(name)) parsed.searchParams.set(name, "REDACTED");
    }
    if (parsed.password) parsed.password = "REDACTED";
    return parsed.toString();
  } catch {
    return url.replace(/([?&](?:api_?key|apikey|token|access_token|key|secret)=)[^&]*/gi, "$1REDACTED");
  }
}

const DEFAULT_RETRY_AFTER_SECONDS = 60;

/** Retry-After in whole seconds, from either form the header may take. */
export function retryAfterSeconds(headers: Headers, fallback = DEFAULT_RETRY_AFTER_SECONDS): number {
  const value = headers.get("retry-after");
  if (!value) return fallback;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(1, Math.ceil((date - Date.now()) / 1000)) : fallback;
}

/** The extract step: one HTTP request with a timeout, every transport failure mapped to API.md's errors. */
export async function extract(provider: Provider, request: ProviderRequest, config: ProviderConfig): Promise<ProviderResponse> {
  if (provider.answerOffline) return provider.answerOffline(request, Date.now());
  let response: Response;
  try {
    response = await fetch(request.url, {
      headers: { accept: "application/json", ...request.headers },
      signal: AbortSignal.timeout(config.timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    throw timedOut
      ? new ApiError("provider_timeout", `${provider.name} did not answer within ${config.timeoutMs} ms`, { provider: provider.name })
      : new ApiError("provider_error", `${provider.name} could not be reached`, { provider: provider.name });
  }
  let body: string;
  try {
    body = await response.text();
  } catch {
    throw new ApiError("provider_timeout", `${provider.name} stopped sending its answer`, { provider: provider.name });
  }
  const answered = { status: response.status, body, headers: response.headers, receivedAt: Date.now() };
  rejectTransportStatus(provider, answered);
  return answered;
}

/** Statuses that mean the same for every provider; the rest (404, 400, ...) are the provider's to interpret. */
function rejectTransportStatus(provider: Provider, response: ProviderResponse): void {
  if (response.status === 429) {
    throw rateLimited(provider.name, retryAfterSeconds(response.headers));
  }
  if (response.status >= 500) {
    throw new ApiError("provider_error", `${provider.name} answered HTTP ${response.status}`, { provider: provider.name });
  }
}

export function rateLimited(
  provider: string,
  retryAfter = DEFAULT_RETRY_AFTER_SECONDS,
  message = `${provider} is rate-limiting requests; retry later`,
): ApiError {
  return new ApiError("provider_rate_limited", message, {
    provider,
    retry_after: retryAfter,
  });
}

export function malformed(provider: string, what: string): ApiError {
  return new ApiError("provider_error", `${provider} sent a malformed answer: ${what}`, { provider });
}

export function symbolNotFound(provider: string, symbol: string): ApiError {
  return new ApiError("symbol_not_found", `${provider} does not know the symbol ${symbol}`, { provider });
}

/** Parse a body as JSON, or report it as malformed. */
export function parseJson(provider: string, body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw malformed(provider, "not JSON");
  }
}

/** query -> extract -> transform, for at most `provider.batchSize` symbols. */
export async function fetchQuotes(
  provider: Provider,
  symbols: readonly string[],
  config: ProviderConfig,
): Promise<QuoteBatch> {
  if (provider.needsKey && !config.apiKey) {
    throw new ApiError("provider_not_configured", `${provider.name} needs an API key, and none is configured`, {
      provider: provider.name,
    });
  }
  const request = provider.query(symbols, config, Date.now());
  let response: ProviderResponse;
  let parts: QuoteBatchParts;
  try {
    response = await extract(provider, request, config);
    parts = provider.transform(response, symbols);
  } catch (error) {
    throw error instanceof ApiError ? errorWithoutKey(error, config.apiKey) : error;
  }
  for (const [symbol, failure] of parts.failures) parts.failures.set(symbol, errorWithoutKey(failure, config.apiKey));
  return {
    raw: {
      provider: provider.name,
      url: redactUrl(request.url),
      httpStatus: response.status,
      body: withoutKey(response.body, config.apiKey),
      fetchedAt: response.receivedAt,
    },
    ...parts,
  };
}

/**
 * A provider may echo the key it was sent, in an error text or a body (its own words, or the request URL):
 * the key is cut out, as sent and URL-encoded, before anything is stored, logged or answered.
 */
export function withoutKey(text: string, key: string | undefined): string {
  if (!key) return text;
  let clean = text;
  for (const form of new Set([key, encodeURIComponent(key)])) clean = clean.split(form).join("REDACTED");
  return clean;
}

function errorWithoutKey(error: ApiError, key: string | undefined): ApiError {
  const message = withoutKey(error.message, key);
  return message === error.message ? error : new ApiError(error.code, message, error.extras);
}
