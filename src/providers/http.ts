import { ApiError } from "../errors";
import { tryParseJson } from "../wire/json";
import { REDACTED, redact } from "../wire/redact";
import { retryAfterMs } from "../wire/retry-after";
import { isTimeout } from "../wire/timeout";
import { symbolNotAccepted, unacceptedSymbols } from "./parse";
import type { Provider, ProviderConfig, ProviderRequest, ProviderResponse, Quote, QuoteBatch, QuoteBatchParts, RawResponse } from "./provider";

/** The most of one answer we read: a bigger body is no quote answer we know, and reading it would cost the isolate. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** The most of one answer we keep in its stored raw response (D1 rows are capped at 2 MB; most answers are a few KB). */
export const MAX_STORED_BODY_BYTES = 64 * 1024;
/** Provider clocks and ours may disagree a little; a quote further in the future than this is a wrong quote. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** No provider quotes before this: an earlier time is seconds read as milliseconds (1970-01-20 for 2025). */
export const EARLIEST_QUOTE_TIME = Date.UTC(1971, 0, 1);

/** Query parameters whose values are secrets; redacted before a URL is stored, logged or answered. */
const SECRET_PARAMS = /^(api_?key|apikey|token|access_token|key|secret|signature|crumb|password)$/i;

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    for (const name of [...parsed.searchParams.keys()]) {
      if (SECRET_PARAMS.test(name)) parsed.searchParams.set(name, REDACTED);
    }
    if (parsed.password) parsed.password = REDACTED;
    return parsed.toString();
  } catch {
    return url.replace(/([?&](?:api_?key|apikey|token|access_token|key|secret)=)[^&]*/gi, `$1${REDACTED}`);
  }
}

const DEFAULT_RETRY_AFTER_SECONDS = 60;

/** Retry-After in whole seconds (API errors carry whole seconds), or `fallback` when the provider named no time. */
export function retryAfterSeconds(headers: Headers, fallback = DEFAULT_RETRY_AFTER_SECONDS): number {
  const waitMs = retryAfterMs(headers);
  return waitMs === undefined ? fallback : Math.ceil(waitMs / 1000);
}

/** The extract step: one HTTP request with a timeout, every transport failure mapped to API.md's errors. */
export async function extract(
  provider: Pick<Provider, "name" | "answerOffline">,
  request: ProviderRequest,
  config: ProviderConfig,
  maxBytes = MAX_BODY_BYTES,
): Promise<ProviderResponse> {
  if (provider.answerOffline) return provider.answerOffline(request, Date.now());
  let response: Response;
  try {
    response = await fetch(request.url, {
      headers: { accept: "application/json", ...request.headers },
      signal: AbortSignal.timeout(config.timeoutMs),
    });
  } catch (error) {
    throw isTimeout(error)
      ? new ApiError("provider_timeout", `${provider.name} did not answer within ${config.timeoutMs} ms`, { provider: provider.name })
      : new ApiError("provider_error", `${provider.name} could not be reached`, { provider: provider.name });
  }
  let body: CappedBody;
  try {
    body = await readCapped(response, maxBytes);
  } catch {
    throw new ApiError("provider_timeout", `${provider.name} stopped sending its answer`, { provider: provider.name });
  }
  const answered: ProviderResponse = { status: response.status, body: body.text, headers: response.headers, receivedAt: Date.now() };
  if (body.overflow) {
    throw new AnsweredWithError(
      new ApiError("provider_error", `${provider.name} sent an answer larger than ${maxBytes} bytes; it was not read`, {
        provider: provider.name,
      }),
      answered,
    );
  }
  try {
    rejectTransportStatus(provider, answered);
  } catch (error) {
    throw error instanceof ApiError ? new AnsweredWithError(error, answered) : error;
  }
  return answered;
}

interface CappedBody {
  text: string;
  /** The body went on past the cap; `text` is what came before it. */
  overflow: boolean;
}

/** The body as text, reading no more than `maxBytes` of it (whatever Content-Length claims). */
async function readCapped(response: Response, maxBytes: number): Promise<CappedBody> {
  if (!response.body) return { text: "", overflow: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (bytes + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - bytes));
      await reader.cancel();
      return { text: decodePrefix(chunks), overflow: true };
    }
    chunks.push(value);
    bytes += value.byteLength;
  }
  return { text: decodePrefix(chunks), overflow: false };
}

/** UTF-8 bytes as text; a character cut at the end (by a cap) is dropped rather than kept broken. */
function decodePrefix(chunks: readonly Uint8Array[]): string {
  const decoder = new TextDecoder();
  let text = "";
  for (const chunk of chunks) text += decoder.decode(chunk, { stream: true });
  return text;
}

/** Inside the extract step: an error, and the answer that showed it. */
export class AnsweredWithError extends ApiError {
  constructor(
    error: ApiError,
    readonly response: ProviderResponse,
  ) {
    super(error.code, error.message, error.extras);
  }
}

/**
 * A provider answered, and its answer is an error (a refusal, a malformed or oversized body, an HTTP error):
 * the error as for any caller, plus the answer in its stored form, so that whoever stores raw responses keeps
 * the failures too. Timeouts and unreachable providers have no answer, and throw a plain ApiError.
 */
export class ProviderAnswerError extends ApiError {
  constructor(
    error: ApiError,
    readonly raw: RawResponse,
  ) {
    super(error.code, error.message, error.extras);
  }
}

/** The stored form of an answer: a redacted URL, and at most MAX_STORED_BODY_BYTES of the body, saying so. */
export function rawResponseOf(provider: Pick<Provider, "name">, request: ProviderRequest, response: ProviderResponse, apiKey: string | undefined): RawResponse {
  const body = withoutKey(response.body, apiKey);
  const encoded = new TextEncoder().encode(body);
  const truncated = encoded.byteLength > MAX_STORED_BODY_BYTES;
  return {
    provider: provider.name,
    url: redactUrl(request.url),
    httpStatus: response.status,
    body: truncated ? decodePrefix([encoded.subarray(0, MAX_STORED_BODY_BYTES)]) : body,
    bodyBytes: encoded.byteLength,
    bodyTruncated: truncated,
    fetchedAt: response.receivedAt,
  };
}

/** Statuses that mean the same for every provider; the rest (404, 400, ...) are the provider's to interpret. */
function rejectTransportStatus(provider: Pick<Provider, "name">, response: ProviderResponse): void {
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

/**
 * The provider refused a symbol it cannot even parse (a malformed one): a provider_error in its own words, with
 * `details.rejected_symbol` saying the fault was the symbol's, so it counts against no provider's health.
 */
export function malformedSymbol(provider: string, symbol: string, message: string): ApiError {
  return new ApiError("provider_error", message, { provider, details: { rejected_symbol: symbol } });
}

export function symbolNotFound(provider: string, symbol: string): ApiError {
  return new ApiError("symbol_not_found", `${provider} does not know the symbol ${symbol}`, { provider });
}

/** Parse a body as JSON, or report it as malformed. */
export function parseJson(provider: string, body: string): unknown {
  const json = tryParseJson(body);
  if (json === undefined) throw malformed(provider, "not JSON");
  return json;
}

/** query -> extract -> transform, for at most `provider.batchSize` symbols. */
export async function fetchQuotes(
  provider: Provider,
  symbols: readonly string[],
  config: ProviderConfig,
): Promise<QuoteBatch> {
  // Symbols the provider can never answer are refused (422) before any request; in a batch, only they are.
  const refused = unacceptedSymbols(provider, symbols);
  if (refused.length === symbols.length) throw symbolNotAccepted(provider, refused);
  const asked = refused.length === 0 ? symbols : symbols.filter((symbol) => !refused.includes(symbol));
  // A provider that needs a key refuses to build its request without one (parse.ts requireApiKey).
  const request = provider.query(asked, config, Date.now());
  let response: ProviderResponse | undefined;
  let parts: QuoteBatchParts;
  try {
    response = await extract(provider, request, config);
    parts = withoutImpossibleTimes(provider.name, provider.transform(response, asked), response.receivedAt);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const answer = error instanceof AnsweredWithError ? error.response : response;
    const clean = errorWithoutKey(error, config.apiKey);
    // Failed answers are kept as well (status and a bounded body), so a failure can be traced like a price.
    throw answer ? new ProviderAnswerError(clean, rawResponseOf(provider, request, answer, config.apiKey)) : clean;
  }
  for (const [symbol, failure] of parts.failures) parts.failures.set(symbol, errorWithoutKey(failure, config.apiKey));
  for (const symbol of refused) parts.failures.set(symbol, symbolNotAccepted(provider, [symbol]));
  return { raw: rawResponseOf(provider, request, response, config.apiKey), ...parts };
}

/**
 * A quote dated in the future (beyond clock skew) or before 1971 is a wrong quote, typically milliseconds read
 * as seconds or the reverse: stored, it would be the symbol's latest for ever (year 57105) and freeze its
 * averages and streams. It becomes that symbol's provider_error; the provider's next sane quote is served.
 */
function withoutImpossibleTimes(provider: string, parts: QuoteBatchParts, receivedAt: number): QuoteBatchParts {
  for (const [symbol, quote] of parts.quotes) {
    const problem = impossibleTime(quote, receivedAt);
    if (!problem) continue;
    parts.quotes.delete(symbol);
    parts.failures.set(symbol, new ApiError("provider_error", `${provider} sent a quote for ${symbol} ${problem}; it was refused`, { provider }));
  }
  return parts;
}

function impossibleTime(quote: Quote, receivedAt: number): string | undefined {
  const date = new Date(quote.timestamp);
  if (Number.isNaN(date.getTime())) return `without a usable quote time (${quote.timestamp})`;
  const at = date.toISOString();
  if (quote.timestamp > receivedAt + MAX_FUTURE_SKEW_MS) {
    return `dated ${at}, more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes in the future (a time in the wrong unit?)`;
  }
  if (quote.timestamp < EARLIEST_QUOTE_TIME) return `dated ${at}, before 1971 (a time in the wrong unit?)`;
  return undefined;
}

/**
 * A provider may echo the key it was sent, in an error text or a body (its own words, or the request URL):
 * the key is cut out, as sent and URL-encoded, before anything is stored, logged or answered.
 */
export function withoutKey(text: string, key: string | undefined): string {
  return key ? redact(text, [key, encodeURIComponent(key)]) : text;
}

function errorWithoutKey(error: ApiError, key: string | undefined): ApiError {
  const message = withoutKey(error.message, key);
  return new ApiError(error.code, message, error.extras);
}
