/** Bare D1 work for the bench: the baseline inserts, fast seeding of long histories, and counting. */
import { drivePerSymbol, type Drive } from "./drive";
import { pointPrice, pointTimestamp } from "./points";

export interface InsertRequest {
  provider: string;
  symbols: string[];
  rowsPerSymbol: number;
  /** Inserts in flight per symbol, as the ingest case has calls in flight per object. */
  concurrency: number;
  firstTimestamp: number;
}

const INSERT_POINT = "INSERT INTO price_points (symbol, provider, ts, price, raw_response_id, created_at) VALUES (?, ?, ?, ?, ?, ?)";

/** The ingest baseline: the same rows as the ingest case, one single-row INSERT each, straight from the Worker. */
export async function insertRows(db: D1Database, request: InsertRequest): Promise<Drive> {
  const statement = db.prepare(INSERT_POINT);
  const now = Date.now();
  return drivePerSymbol(request.symbols, request.rowsPerSymbol, request.concurrency, async (symbol, index) => {
    await statement.bind(symbol, request.provider, pointTimestamp(request.firstTimestamp, index), pointPrice(index), "bench-baseline", now).run();
  });
}

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

/** Symbols per IN (...) list, leaving room for the other parameters of the statement. */
const SYMBOLS_PER_STATEMENT = 90;

function chunkSymbols(symbols: readonly string[]): string[][] {
  const chunks: string[][] = [];
  for (let start = 0; start < symbols.length; start += SYMBOLS_PER_STATEMENT) chunks.push(symbols.slice(start, start + SYMBOLS_PER_STATEMENT));
  return chunks;
}
