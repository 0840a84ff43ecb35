import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { MARKET_STATES } from "../providers/provider";

/** Times are epoch milliseconds (UTC) in every table; the API renders them as ISO-8601. */

/**
 * What a provider answered, verbatim up to a bound, so a stored price (or a failure) can be traced back to it.
 * Pruned after RAW_RETENTION_DAYS.
 */
export const rawResponses = sqliteTable(
  "raw_responses",
  {
    id: text("id").primaryKey(),
    provider: text("provider").notNull(),
    /** Comma-separated symbols the request asked for (a batch request asks for many). */
    symbols: text("symbols").notNull(),
    /** Request URL with keys and tokens redacted. */
    url: text("url").notNull(),
    httpStatus: integer("http_status").notNull(),
    /** The body, or only its first bytes when it was longer than a row should hold (then body_truncated). */
    body: text("body").notNull(),
    /** Size of the whole body as received, in bytes (null for rows stored before it was counted). */
    bodyBytes: integer("body_bytes"),
    bodyTruncated: integer("body_truncated", { mode: "boolean" }).notNull().default(false),
    fetchedAt: integer("fetched_at").notNull(),
  },
  (table) => [index("raw_responses_fetched_at").on(table.fetchedAt)],
);

/**
 * One price at the provider's quote time. Unique per (symbol, provider, timestamp): polling again while the
 * provider reports the same quote time stores nothing. raw_response_id is not a foreign key on purpose:
 * raw responses are pruned sooner (and a batch round stores its answer after its points). Points older than
 * POINT_RETENTION_DAYS are deleted by the cron, except each symbol's newest (src/store/point-retention.ts).
 */
export const pricePoints = sqliteTable(
  "price_points",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    symbol: text("symbol").notNull(),
    provider: text("provider").notNull(),
    timestamp: integer("ts").notNull(),
    price: real("price").notNull(),
    /**
     * The full quote's details (API.md "Full quotes"), null where the provider said nothing. Property names are
     * the Quote's own, so a row can be built by spreading a Quote.
     */
    currency: text("currency"),
    open: real("open"),
    high: real("high"),
    low: real("low"),
    previousClose: real("previous_close"),
    change: real("change"),
    changePercent: real("change_percent"),
    volume: real("volume"),
    exchange: text("exchange"),
    marketState: text("market_state", { enum: MARKET_STATES }),
    rawResponseId: text("raw_response_id").notNull(),
    /** The price.updated event that announced this point (null for points loaded from elsewhere). */
    eventId: text("event_id"),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [uniqueIndex("price_points_symbol_provider_ts").on(table.symbol, table.provider, table.timestamp)],
);

/** Moving averages as they were computed and answered. */
export const movingAverages = sqliteTable(
  "moving_averages",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    symbol: text("symbol").notNull(),
    provider: text("provider").notNull(),
    kind: text("kind", { enum: ["sma", "ema"] }).notNull(),
    window: integer("window").notNull(),
    value: real("value").notNull(),
    /** Quote time of the newest point in the window. */
    asOf: integer("as_of").notNull(),
    points: integer("points").notNull(),
    computedAt: integer("computed_at").notNull(),
  },
  (table) => [
    uniqueIndex("moving_averages_symbol_provider_kind_window_as_of").on(
      table.symbol,
      table.provider,
      table.kind,
      table.window,
      table.asOf,
    ),
  ],
);

/** A client's request to keep symbols polled. Symbol objects do the polling; this row only asks. */
export const pollJobs = sqliteTable(
  "poll_jobs",
  {
    id: text("id").primaryKey(),
    status: text("status", { enum: ["active", "stopped"] }).notNull(),
    /** JSON array of symbols. */
    symbols: text("symbols").notNull(),
    interval: integer("interval").notNull(),
    provider: text("provider").notNull(),
    /** Whether the client named the provider (then no failover moves it). */
    pinned: integer("pinned", { mode: "boolean" }).notNull(),
    createdAt: integer("created_at").notNull(),
    stoppedAt: integer("stopped_at"),
    lastRunAt: integer("last_run_at"),
    /** When the job's loop plans to poll next (later than its interval while backing off from a rate limit). */
    nextRunAt: integer("next_run_at"),
    runs: integer("runs").notNull().default(0),
    errors: integer("errors").notNull().default(0),
    lastError: text("last_error"),
  },
  (table) => [index("poll_jobs_status").on(table.status)],
);

/**
 * Events waiting for the sink as earlier versions kept them (today each symbol object keeps its own outbox in
 * its storage). A symbol object takes over its rows here the first time it wakes, and the cron's sweep wakes
 * the objects that still have some, so nothing written before an upgrade is left behind.
 */
export const outbox = sqliteTable(
  "outbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    eventId: text("event_id").notNull().unique(),
    symbol: text("symbol").notNull(),
    provider: text("provider").notNull(),
    payload: text("payload").notNull(),
    createdAt: integer("created_at").notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
  },
  (table) => [index("outbox_symbol_provider_id").on(table.symbol, table.provider, table.id)],
);

/**
 * OHLCV bars as a provider reported them (or built from price points: provider = the points' provider).
 * Unique per symbol + provider + interval + bar start, so fetching a range again stores nothing new.
 * `ts` is the bar's start; volume and adjusted_close are null where the provider says nothing.
 */
export const priceBars = sqliteTable(
  "price_bars",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    symbol: text("symbol").notNull(),
    provider: text("provider").notNull(),
    interval: text("interval").notNull(),
    timestamp: integer("ts").notNull(),
    open: real("open").notNull(),
    high: real("high").notNull(),
    low: real("low").notNull(),
    close: real("close").notNull(),
    volume: real("volume"),
    adjustedClose: real("adjusted_close"),
    rawResponseId: text("raw_response_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [uniqueIndex("price_bars_symbol_provider_interval_ts").on(table.symbol, table.provider, table.interval, table.timestamp)],
);

/**
 * The windows [from_ts, to_ts) whose bars were fetched from the provider in full: what the store "holds".
 * Bars alone cannot say it (nights, weekends and holidays have none).
 */
export const barCoverage = sqliteTable(
  "bar_coverage",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    symbol: text("symbol").notNull(),
    provider: text("provider").notNull(),
    interval: text("interval").notNull(),
    from: integer("from_ts").notNull(),
    to: integer("to_ts").notNull(),
    fetchedAt: integer("fetched_at").notNull(),
  },
  (table) => [index("bar_coverage_symbol_provider_interval_from").on(table.symbol, table.provider, table.interval, table.from)],
);

/** Backfill jobs as clients see them; the job's own object keeps its plan and writes its progress here. */
export const backfillJobs = sqliteTable(
  "backfill_jobs",
  {
    id: text("id").primaryKey(),
    status: text("status", { enum: ["queued", "running", "done", "failed", "cancelled"] }).notNull(),
    /** JSON: {symbols, interval, from, to, provider}. */
    config: text("config").notNull(),
    requestsDone: integer("requests_done").notNull().default(0),
    requestsPlanned: integer("requests_planned").notNull().default(0),
    barsStored: integer("bars_stored").notNull().default(0),
    /** JSON: {symbol, from, to} of the request in progress, or null. */
    current: text("current"),
    /** JSON array of {symbol, from, to, code, message}. */
    errors: text("errors").notNull().default("[]"),
    createdAt: integer("created_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (table) => [index("backfill_jobs_created_at").on(table.createdAt, table.id)],
);

/**
 * Events that can never be delivered (they fail their own schema, or the broker refused the record itself
 * several times), set aside so the events behind them keep flowing. Listed by GET /events/dead-letters.
 */
export const deadLetterEvents = sqliteTable(
  "dead_letter_events",
  {
    eventId: text("event_id").primaryKey(),
    symbol: text("symbol").notNull(),
    provider: text("provider").notNull(),
    payload: text("payload").notNull(),
    reason: text("reason").notNull(),
    attempts: integer("attempts").notNull(),
    deadAt: integer("dead_at").notNull(),
  },
  (table) => [index("dead_letter_events_dead_at").on(table.deadAt)],
);

/**
 * Symbol objects whose delivery is behind (the sink failed): written when a delivery fails, deleted when the
 * object caught up. The cron's sweep makes sure each of them still has an alarm; healthy objects write nothing here.
 */
export const eventBacklogs = sqliteTable(
  "event_backlogs",
  {
    symbol: text("symbol").notNull(),
    provider: text("provider").notNull(),
    /** When the oldest waiting event was stored, epoch ms. */
    pendingSince: integer("pending_since").notNull(),
  },
  (table) => [primaryKey({ columns: [table.symbol, table.provider] })],
);

/**
 * Small state the cron's housekeeping carries from one run to the next, one row per task (e.g. how far the
 * point retention's pass got). `value` is the task's own JSON.
 */
export const housekeeping = sqliteTable("housekeeping", {
  task: text("task").primaryKey(),
  value: text("value").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * The database's size as the cron samples it, about once an hour, kept a few days: what /health measures the
 * growth rate from. newest_point_id (price_points ids only grow) counts the points stored between two samples.
 */
export const storageSamples = sqliteTable("storage_samples", {
  sampledAt: integer("sampled_at").primaryKey(),
  databaseBytes: integer("database_bytes").notNull(),
  newestPointId: integer("newest_point_id").notNull(),
});
