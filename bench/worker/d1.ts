/** Bare D1 work for the bench: fast seeding of long histories, counting and listing stored points. */
export interface SeedRequest {
  symbol: string;
  provider: string;
  count: number;
  /** Quote time of the newest seeded point, epoch ms; the others precede it one second apart. */
  lastTimestamp: number;
}

/** Rows one seeding statement writes: big enough to be fast, small enough to keep each D1 call short. */
const SEED_ROWS_PER_STATEMENT = 100_000;

/**
 * A long history written fast: each statement generates its rows inside SQLite (a recursive CTE), so there is
 * no bound-parameter limit to chunk around and no row crosses the wire.
 */
const SEED = `WITH RECURSIVE seq(n) AS (SELECT ?1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?2)
INSERT INTO price_points (symbol, provider, ts, price, raw_response_id, created_at)
SELECT ?3, ?4, ?5 + n * 1000, 100 + ((n * 7919) % 1000) / 100.0, 'bench-seed', ?6 FROM seq`;

export async function seedHistory(db: D1Database, request: SeedRequest): Promise<{ rows: number; elapsedMs: number }> {
  const startedAt = performance.now();
  const firstTimestamp = request.lastTimestamp - (request.count - 1) * 1000;
  const statement = db.prepare(SEED);
  let rows = 0;
  for (let first = 0; first < request.count; first += SEED_ROWS_PER_STATEMENT) {
    const last = Math.min(request.count, first + SEED_ROWS_PER_STATEMENT) - 1;
    const result = await statement.bind(first, last, request.symbol, request.provider, firstTimestamp, Date.now()).run();
    rows += result.meta.changes;
  }
  return { rows, elapsedMs: performance.now() - startedAt };
}

export interface CountRequest {
  provider: string;
  symbols: string[];
  /** Quote times from `since` (inclusive) to `until` (exclusive), epoch ms. */
  since: number;
  until?: number;
}

/** Points of these symbols in a quote-time range (chunked: D1 binds at most 100 parameters per statement). */
export async function countPoints(db: D1Database, request: CountRequest): Promise<number> {
  let total = 0;
  for (const chunk of chunkSymbols(request.symbols)) {
    const marks = chunk.map(() => "?").join(", ");
    const row = await db
      .prepare(`SELECT count(*) AS n FROM price_points WHERE provider = ? AND ts >= ? AND ts < ? AND symbol IN (${marks})`)
      .bind(request.provider, request.since, request.until ?? Number.MAX_SAFE_INTEGER, ...chunk)
      .first<{ n: number }>();
    total += row?.n ?? 0;
  }
  return total;
}

/** A stored point as the sustained case checks it: which event announced it. */
export interface StoredPoint {
  symbol: string;
  ts: number;
  event_id: string | null;
}

/** Points of these symbols in a quote-time range, oldest first per symbol. */
export async function listPoints(db: D1Database, request: CountRequest): Promise<StoredPoint[]> {
  const points: StoredPoint[] = [];
  for (const chunk of chunkSymbols(request.symbols)) {
    const marks = chunk.map(() => "?").join(", ");
    const { results } = await db
      .prepare(`SELECT symbol, ts, event_id FROM price_points WHERE provider = ? AND ts >= ? AND ts < ? AND symbol IN (${marks}) ORDER BY symbol, ts`)
      .bind(request.provider, request.since, request.until ?? Number.MAX_SAFE_INTEGER, ...chunk)
      .all<StoredPoint>();
    points.push(...results);
  }
  return points;
}

/** Symbols per IN (...) list, leaving room for the other parameters of the statement. */
const SYMBOLS_PER_STATEMENT = 90;

function chunkSymbols(symbols: readonly string[]): string[][] {
  const chunks: string[][] = [];
  for (let start = 0; start < symbols.length; start += SYMBOLS_PER_STATEMENT) chunks.push(symbols.slice(start, start + SYMBOLS_PER_STATEMENT));
  return chunks;
}
