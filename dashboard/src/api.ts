/** The dashboard's view of the service's API: every answer is checked with zod before the page trusts it. */
// zod/mini: the same checks as zod, a tenth of the bundle.
import * as z from "zod/mini";

const ErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const ProviderSchema = z.object({
  name: z.string(),
  configured: z.boolean(),
  min_interval: z.number(),
  batch: z.boolean(),
  default: z.optional(z.boolean()),
  health: z.optional(z.nullable(z.object({ status: z.string(), latency_ms: z.nullable(z.number()), last_error: z.nullable(z.string()) }))),
});
export type Provider = z.infer<typeof ProviderSchema>;

export const JobSchema = z.object({
  job_id: z.string(),
  status: z.enum(["active", "stopped"]),
  config: z.object({ symbols: z.array(z.string()), interval: z.number(), provider: z.string() }),
  runs: z.number(),
  errors: z.number(),
  last_error: z.nullable(z.string()),
});
export type Job = z.infer<typeof JobSchema>;

const HistorySchema = z.object({
  symbol: z.string(),
  provider: z.string(),
  points: z.array(z.object({ price: z.number(), timestamp: z.string() })),
});

const MovingAverageSchema = z.object({ moving_average: z.number(), window: z.number(), as_of: z.string(), points: z.number() });
export type ServerMovingAverage = z.infer<typeof MovingAverageSchema>;

/** The fields of a `price.updated` event the page uses (the stream sends more). */
export const PriceEventSchema = z.object({
  event_id: z.string(),
  type: z.literal("price.updated"),
  symbol: z.string(),
  provider: z.string(),
  price: z.number(),
  timestamp: z.string(),
});
export type PriceEvent = z.infer<typeof PriceEventSchema>;

/** An error answer of the API (API.md's error JSON), or a failure to reach it. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let apiKey = "";

/** Only needed when the deployment sets API_KEYS (write routes, and reads with API_KEYS_READ). */
export function useApiKey(key: string): void {
  apiKey = key.trim();
}

export function authorization(): Record<string, string> {
  return apiKey === "" ? {} : { authorization: `Bearer ${apiKey}` };
}

async function call<T>(path: string, schema: z.ZodMiniType<T>, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, { ...init, headers: { accept: "application/json", ...authorization(), ...init.headers } });
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = ErrorBodySchema.safeParse(body);
    if (error.success) throw new ApiFailure(response.status, error.data.error.code, error.data.error.message);
    throw new ApiFailure(response.status, "unexpected_answer", `${path} answered ${response.status}`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiFailure(response.status, "unexpected_answer", `${path} answered something unexpected: ${parsed.error.message}`);
  return parsed.data;
}

export async function listProviders(): Promise<Provider[]> {
  return (await call("/providers", z.object({ providers: z.array(ProviderSchema) }))).providers;
}

export async function listJobs(): Promise<Job[]> {
  return (await call("/prices/poll", z.object({ jobs: z.array(JobSchema) }))).jobs;
}

export async function startJob(symbols: string[], interval: number, provider: string): Promise<string> {
  const accepted = await call("/prices/poll", z.object({ job_id: z.string() }), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ symbols, interval, provider }),
  });
  return accepted.job_id;
}

export async function stopJob(jobId: string): Promise<void> {
  await call(`/prices/poll/${encodeURIComponent(jobId)}`, JobSchema, { method: "DELETE" });
}

/** Stored points, oldest first (the API answers newest first). */
export async function history(symbol: string, provider: string): Promise<{ price: number; timestamp: string }[]> {
  const query = new URLSearchParams({ symbol, provider, limit: "1000" });
  return (await call(`/prices/history?${query}`, HistorySchema)).points.reverse();
}

export async function serverMovingAverage(symbol: string, provider: string, window: number): Promise<ServerMovingAverage> {
  const query = new URLSearchParams({ window: String(window), provider });
  return call(`/ma/${encodeURIComponent(symbol)}?${query}`, MovingAverageSchema);
}

const BarsSchema = z.object({
  bars: z.array(z.object({ timestamp: z.string(), open: z.number(), high: z.number(), low: z.number(), close: z.number(), volume: z.nullable(z.number()) })),
  next_cursor: z.nullable(z.string()),
  backfill: z.optional(z.nullable(z.object({ requests: z.number(), message: z.string() }))),
});
export type BarsPage = z.infer<typeof BarsSchema>;

export interface BarsQuery {
  symbol: string;
  provider: string;
  interval: string;
  from: Date;
  to: Date;
  limit: number;
}

/** One page of bars, oldest first, with the store's hint when it lacks part of the range. */
export async function bars(query: BarsQuery): Promise<BarsPage> {
  const params = new URLSearchParams({
    symbol: query.symbol,
    provider: query.provider,
    interval: query.interval,
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    limit: String(query.limit),
  });
  return call(`/prices/bars?${params}`, BarsSchema);
}

export const BackfillSchema = z.object({
  backfill_id: z.string(),
  status: z.enum(["queued", "running", "done", "failed", "cancelled"]),
  progress: z.object({ requests_done: z.number(), requests_planned: z.number(), bars_stored: z.number() }),
  errors: z.array(z.object({ symbol: z.string(), code: z.string(), message: z.string() })),
});
export type Backfill = z.infer<typeof BackfillSchema>;

export async function startBackfill(query: Omit<BarsQuery, "limit">): Promise<Backfill> {
  return call("/prices/backfill", BackfillSchema, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ symbols: [query.symbol], provider: query.provider, interval: query.interval, from: query.from.toISOString(), to: query.to.toISOString() }),
  });
}

export async function backfillStatus(backfillId: string): Promise<Backfill> {
  return call(`/prices/backfill/${encodeURIComponent(backfillId)}`, BackfillSchema);
}
