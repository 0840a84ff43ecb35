/**
 * src/events/ owns what the service publishes and where it goes: the events (price-events.ts), the Sink every
 * broker is reached through and what the network sinks share (here), one file per sink, and the choice of one by
 * EVENT_SINK (sinks.ts). Delivering a symbol's events, in order, is its symbol object's (src/symbol/delivery.ts).
 */
import { z } from "zod";
import type { BackfillCompletedEvent } from "../schemas/backfill-event";
import type { PriceEvent } from "../schemas/price-event";
import { tryParseJson } from "../wire/json";
import { redact } from "../wire/redact";
import { retryAfterMs } from "../wire/retry-after";
import { isTimeout } from "../wire/timeout";

/** Everything the service publishes: one record each, key = symbol. */
export type SinkEvent = PriceEvent | BackfillCompletedEvent;

/**
 * Where price events go. One implementation per file in this folder, chosen by `EVENT_SINK` in sinks.ts.
 *
 * `publish` resolves only when the broker has acknowledged EVERY event of the batch, in order; otherwise it
 * rejects with a SinkError. The caller (the outbox) then retries the whole batch with the same event_ids, so
 * a broker may see an event twice, never two events for one price point. Key = symbol, value = the event JSON.
 */
export interface Sink {
  readonly name: string;
  publish(events: readonly SinkEvent[]): Promise<void>;
}

export interface SinkErrorDetails {
  /** True when the same batch may well go through later (429, 5xx, timeout, network); false when a person must act
   *  first (401, 403, unknown topic, rejected record). Either way the outbox keeps the events. */
  retryable: boolean;
  /** How long the broker asked us to wait (its Retry-After), when it said so. */
  retryAfterMs?: number;
  /** How many leading events of the batch the broker did acknowledge before the failure (0 when unknown). */
  acknowledged?: number;
  /** The broker refused the (first unacknowledged) record itself — malformed, too large — rather than being
   *  unavailable or refusing us: resending it as it is will not help. */
  rejected?: boolean;
}

/** A batch was not (wholly) acknowledged. The message names the sink and the reason, never a credential. */
export class SinkError extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly acknowledged: number;
  readonly rejected: boolean;

  constructor(message: string, details: SinkErrorDetails) {
    super(message);
    this.name = "SinkError";
    this.retryable = details.retryable;
    this.acknowledged = details.acknowledged ?? 0;
    this.rejected = details.rejected ?? false;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/** Options every network sink takes. */
export interface SinkOptions {
  /** Upper bound for one HTTP call to the broker, body included. */
  timeoutMs?: number;
}

export const DEFAULT_SINK_TIMEOUT_MS = 10_000;

/** The settings a sink needs, or an error that names every missing one (never their values). */
export function requireSettings<const K extends string>(
  sink: string,
  settings: Record<K, string | undefined>,
): Record<K, string> {
  const missing = Object.entries(settings)
    .filter(([, value]) => value === undefined || value === "")
    .map(([name]) => name);
  if (missing.length > 0) {
    throw new Error(`EVENT_SINK=${sink} needs ${missing.join(", ")} to be set`);
  }
  return settings as Record<K, string>;
}

/**
 * A broker's user and password (a Kafka REST proxy's optional API key and secret, Upstash's username and
 * password): the Authorization header when both are set, and every form of them that must never appear in an
 * error or a log.
 */
export function basicCredentials(user: string | undefined, password: string | undefined): { authorization: string | undefined; secrets: (string | undefined)[] } {
  const authorization = user && password ? basicAuthorization(user, password) : undefined;
  return { authorization, secrets: [password, user, authorization?.slice("Basic ".length)] };
}

/** `Basic base64(user:password)`, UTF-8 safe. */
function basicAuthorization(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/**
 * `base` (which may carry a path prefix such as Confluent Cloud's `/kafka`, with or without a trailing slash)
 * followed by the path segments, each percent-encoded. Nothing of the base is dropped, no slash is doubled.
 */
export function joinUrl(base: string, ...segments: string[]): string {
  return [base.replace(/\/+$/, ""), ...segments.map((segment) => encodeURIComponent(segment))].join("/");
}

/** A URL fit for an error message: origin and path only (no user info, no query). */
export function describeEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}

/** HTTP statuses by which a broker refuses what was sent (the records), not who sent it or when. */
export function isRecordRejection(status: number): boolean {
  return status === 400 || status === 413 || status === 422;
}

/** HTTP statuses after which the same request may succeed later. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Kafka REST error codes are either an HTTP status (404) or an HTTP status with a two-digit sub-code
 * (40403 = 404 + 03, 50003 = 500 + 03); this gives the HTTP status either way.
 */
export function httpStatusOfErrorCode(code: number): number {
  let status = Math.trunc(code);
  while (status >= 1000) status = Math.trunc(status / 100);
  return status;
}

/** The error body both Kafka REST Proxy API versions (and Redpanda) answer with. */
const KafkaRestErrorSchema = z.object({ error_code: z.number().int(), message: z.string().nullish() });

/** Where a Kafka REST sink posts its batches, and how. */
export interface BrokerEndpoint {
  /** The sink's name, first word of every error message. */
  sink: string;
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Values that must never appear in an error message. */
  secrets: readonly (string | undefined)[];
}

/** A Kafka REST endpoint with the proxy's optional credentials as its Authorization header, and the sink's time bound. */
export function brokerEndpoint(
  sink: string,
  url: string,
  headers: Record<string, string>,
  credentials: { apiKey?: string; apiSecret?: string },
  options: SinkOptions,
): BrokerEndpoint {
  const { authorization, secrets } = basicCredentials(credentials.apiKey, credentials.apiSecret);
  return {
    sink,
    url,
    headers: authorization ? { ...headers, authorization } : headers,
    timeoutMs: options.timeoutMs ?? DEFAULT_SINK_TIMEOUT_MS,
    secrets,
  };
}

/** A SinkError that names the sink first, with every secret cut out of what the broker or the runtime said. */
export function sinkError(sink: string, secrets: readonly (string | undefined)[], message: string, details: SinkErrorDetails): SinkError {
  return new SinkError(redact(`${sink}: ${message}`, secrets), details);
}

/** What a broker answered with a 2xx status. */
export interface BrokerAnswer {
  status: number;
  body: string;
}

/**
 * One POST to a Kafka REST endpoint, bounded by `timeoutMs` (body included). A 2xx answer is returned for the
 * sink to parse; anything else (network error, timeout, non-2xx status) becomes a SinkError.
 */
export async function postToBroker(endpoint: BrokerEndpoint, requestBody: string): Promise<BrokerAnswer> {
  const where = describeEndpoint(endpoint.url);
  const fail = (message: string, details: SinkErrorDetails) => sinkError(endpoint.sink, endpoint.secrets, message, details);
  let response: Response;
  let body: string;
  try {
    response = await fetch(endpoint.url, {
      method: "POST",
      headers: endpoint.headers,
      body: requestBody,
      signal: AbortSignal.timeout(endpoint.timeoutMs),
    });
    body = await response.text();
  } catch (error) {
    if (isTimeout(error)) {
      throw fail(`${where} did not answer within ${endpoint.timeoutMs} ms`, { retryable: true });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw fail(`${where} could not be reached (${reason})`, { retryable: true });
  }
  if (response.status >= 200 && response.status < 300) return { status: response.status, body };

  const said = brokerErrorMessage(body);
  const details: SinkErrorDetails = { retryable: isRetryableStatus(response.status), rejected: isRecordRejection(response.status) };
  const wait = retryAfterMs(response.headers);
  if (wait !== undefined) details.retryAfterMs = wait;
  throw fail(`${where} answered HTTP ${response.status}${said ? `: ${said}` : ""}`, details);
}

/** The broker's own words from an error body, when it is the documented `{error_code, message}` JSON. */
function brokerErrorMessage(body: string): string | undefined {
  const parsed = KafkaRestErrorSchema.safeParse(tryParseJson(body));
  if (!parsed.success) return undefined;
  const message = parsed.data.message ? ` ${truncate(parsed.data.message)}` : "";
  return `error_code ${parsed.data.error_code}${message}`;
}

/**
 * The values of a body of concatenated JSON (`{…}{…}` or one per line), as Kafka REST v3 streams delivery reports.
 * Parsing stops at the first value that is not well-formed: what comes after it is unknown.
 */
export function splitConcatenatedJson(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (char === "\\") escaped = true;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === "{" || char === "[") {
      if (depth === 0) start = index;
      depth++;
    } else if ((char === "}" || char === "]") && depth > 0 && --depth === 0) {
      const value = tryParseJson(text.slice(start, index + 1));
      if (value === undefined) return values;
      values.push(value);
    }
  }
  return values;
}

export function truncate(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
