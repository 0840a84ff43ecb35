import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
 * raw responses are pruned, points are kept.
 */
export const pricePoints = sqliteTable(
  "price_points",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    symbol: text("symbol").notNull(),
    provider: text("provider").notNull(),
    timestamp: integer("ts").notNull(),
    price: real("price").notNull(),
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
    runs: integer("runs").notNull().default(0),
    errors: integer("errors").notNull().default(0),
    lastError: text("last_error"),
  },
  (table) => [index("poll_jobs_status").on(table.status)],
);

/**
 * Events waiting for the sink, written in the same batch as their price point. Rows are deleted once the
 * sink acknowledged them; `id` orders them per symbol.
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
