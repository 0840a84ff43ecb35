import { z } from "zod";
import { canonicalProviderName, PROVIDER_NAMES_AND_ALIASES } from "./providers/provider";

/**
 * The Worker's bindings and vars: the type `wrangler types` generates from wrangler.toml into
 * worker-configuration.d.ts (`npm run cf-typegen`; CI fails when it drifts). Settings and secrets are read
 * through readConfig below, never straight off the env.
 */
export type Env = Cloudflare.Env;

/** A provider by its name or an alias (API.md), read as the canonical name. */
const ProviderNameSchema = z.enum(PROVIDER_NAMES_AND_ALIASES).transform(canonicalProviderName);
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value && value.trim() !== "" ? value.trim() : undefined));
const csv = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .optional()
    .transform((value) => (value ? value.split(",").map((part) => part.trim()).filter(Boolean) : []))
    .pipe(z.array(item));
/** A var that may arrive as a TOML boolean or as the text "true" / "false" (secrets and .dev.vars are text). */
const flag = (fallback: boolean) =>
  z
    .union([z.boolean(), z.enum(["true", "false"]).transform((value) => value === "true")])
    .default(fallback);
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const url = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) => value.replace(/\/+$/, ""))
    .pipe(z.url());

export const EVENT_SINKS = ["log", "none", "upstash", "kafka-rest", "kafka-rest-v2"] as const;

/**
 * A provider's request budget for a paid plan (API.md "Provider plans"): requests per minute or per day, 0 for
 * no limit of ours. Unset: the provider's free plan (its `budget` in src/providers/).
 */
const budgetSetting = z
  .union([z.number(), z.string().regex(/^\d+$/, "must be a whole number").transform(Number)])
  .pipe(z.number().int().min(0))
  .optional();

/** Every setting the service reads, validated once; defaults are API.md's. */
export const ConfigSchema = z.object({
  DEFAULT_PROVIDER: ProviderNameSchema.default("yfinance"),
  FALLBACK_PROVIDERS: csv(ProviderNameSchema),
  YFINANCE_BASE_URL: url("https://query1.finance.yahoo.com"),
  ALPHA_VANTAGE_BASE_URL: url("https://www.alphavantage.co"),
  FINNHUB_BASE_URL: url("https://finnhub.io/api/v1"),
  BINANCE_BASE_URL: url("https://api.binance.com"),
  POLYGON_BASE_URL: url("https://api.polygon.io"),
  ALPHA_VANTAGE_API_KEY: optionalText,
  POLYGON_API_KEY: optionalText,
  /** Where Polygon's latest price comes from: `prev` (previous-day aggregate, free plan) or `last_trade`. */
  POLYGON_LATEST: z.enum(["prev", "last_trade"]).default("prev"),
  FINNHUB_API_KEY: optionalText,
  PROVIDER_TIMEOUT_MS: positiveInt(8000),
  EVENT_SINK: z.enum(EVENT_SINKS).default("log"),
  KAFKA_TOPIC: z.string().min(1).default("price-events"),
  /** Upper bound of one call to the event sink; a slower broker counts as a failed delivery, retried later. */
  EVENT_SINK_TIMEOUT_MS: positiveInt(10_000),
  UPSTASH_KAFKA_REST_URL: optionalText,
  UPSTASH_KAFKA_REST_USERNAME: optionalText,
  UPSTASH_KAFKA_REST_PASSWORD: optionalText,
  KAFKA_REST_URL: optionalText,
  KAFKA_REST_CLUSTER_ID: optionalText,
  KAFKA_REST_API_KEY: optionalText,
  KAFKA_REST_API_SECRET: optionalText,
  RAW_RETENTION_DAYS: positiveInt(30),
  /**
   * Days points are kept, by quote time; 0 (the default) keeps them forever. Each symbol's newest MAX_WINDOW
   * points stay whatever their age (README "What storage costs").
   */
  POINT_RETENTION_DAYS: z
    .union([z.number(), z.string().regex(/^\d+$/, "must be a whole number").transform(Number)])
    .pipe(z.number().int().min(0))
    .default(0),
  /** The D1 database size limit, for the warning in /health (10 GB on Workers Paid, 500 MB on Free). */
  D1_DATABASE_LIMIT_MB: positiveInt(10_240),
  /** Days a stopped job stays listed (GET /prices/poll?status=stopped) before the cron deletes it. */
  JOB_RETENTION_DAYS: positiveInt(30),
  HISTORY_FLUSH_SECONDS: positiveInt(10),
  API_KEYS: csv(z.string().min(1)),
  /** Whether read routes (GET) need a key too; write routes always do while API_KEYS is set. */
  API_KEYS_READ: flag(false),
  /** Requests per minute per client (API key, else IP); 0 turns the limit off. */
  RATE_LIMIT_PER_MINUTE: z
    // Not z.coerce: that reads an empty value as 0, which would silently turn the limit off.
    .union([z.number(), z.string().regex(/^\d+$/, "must be a whole number").transform(Number)])
    .pipe(z.number().int().min(0))
    .default(600),
  YFINANCE_REQUESTS_PER_MINUTE: budgetSetting,
  ALPHA_VANTAGE_REQUESTS_PER_MINUTE: budgetSetting,
  ALPHA_VANTAGE_REQUESTS_PER_DAY: budgetSetting,
  FINNHUB_REQUESTS_PER_MINUTE: budgetSetting,
  BINANCE_REQUESTS_PER_MINUTE: budgetSetting,
  POLYGON_REQUESTS_PER_MINUTE: budgetSetting,
  /** Limits the jobs routes enforce: symbols in one POST /prices/poll, active jobs in the deployment. */
  MAX_SYMBOLS_PER_JOB: positiveInt(100),
  MAX_ACTIVE_JOBS: positiveInt(1000),
  /** How long (ms) a Worker isolate may answer a latest from its own copy; 0 turns the copy off (API.md). */
  LATEST_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** Live streams (GET /prices/stream) one client may hold open at once (429 beyond). */
  MAX_STREAMS_PER_CLIENT: positiveInt(10),
  /** Streams one symbol's object feeds at once: it sends every point to each (503 beyond). */
  MAX_STREAMS_PER_SYMBOL: positiveInt(500),
  /** Origins a browser app may call the API from (`*` for any); unset: no CORS headers at all. */
  CORS_ORIGINS: csv(z.union([z.literal("*"), z.url().transform((value) => new URL(value).origin)])),
  /** One log line per request (method, path, status, time, X-Request-Id). */
  REQUEST_LOG: flag(true),
});

export type Config = z.infer<typeof ConfigSchema>;

const configCache = new WeakMap<object, Config>();

/**
 * The validated configuration. Parsed once per env object (the runtime hands the same one to every request
 * of an isolate), so hot paths pay nothing. A bad setting fails loudly with the setting's name.
 */
export function readConfig(env: Env): Config {
  const cached = configCache.get(env);
  if (cached) return cached;
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new Error(`invalid configuration: ${problems}`);
  }
  configCache.set(env, parsed.data);
  return parsed.data;
}
