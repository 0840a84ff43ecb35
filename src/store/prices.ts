import { and, desc, eq, getTableColumns, getTableName, gte, lte, lt } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Quote, QuoteDetails, RawResponse } from "../providers/provider";
import type { Database } from "./db";
import { pricePoints, rawResponses } from "./schema";

export interface StoredRaw extends RawResponse {
  id: string;
  symbols: readonly string[];
}

/** Give a raw response its id and the symbols it answered for. */
export function identifyRaw(raw: RawResponse, symbols: readonly string[]): StoredRaw {
  return { ...raw, id: crypto.randomUUID(), symbols };
}

export function rawResponseRow(raw: StoredRaw) {
  return {
    id: raw.id,
    provider: raw.provider,
    symbols: raw.symbols.join(","),
    url: raw.url,
    httpStatus: raw.httpStatus,
    body: raw.body,
    bodyBytes: raw.bodyBytes,
    bodyTruncated: raw.bodyTruncated,
    fetchedAt: raw.fetchedAt,
  };
}

export async function storeRawResponse(db: Database, raw: StoredRaw): Promise<void> {
  await db.insert(rawResponses).values(rawResponseRow(raw));
}

/** Many raw answers in one statement (a round's answers; D1 counts statements per invocation). */
export async function storeRawResponses(db: Database, raws: readonly StoredRaw[]): Promise<void> {
  if (raws.length > 0) await insertFromJson(db, rawResponses, raws.map(rawResponseRow)).run();
}

/**
 * A failed provider answer (status and bounded body), kept for tracing. Best effort: the caller answers with
 * the provider's error either way, and a store that cannot take this row must not turn it into another error.
 */
export async function storeFailedAnswer(db: Database, raw: RawResponse, symbols: readonly string[]): Promise<void> {
  try {
    await storeRawResponse(db, identifyRaw(raw, symbols));
  } catch (error) {
    console.error(`storing a failed ${raw.provider} answer (HTTP ${raw.httpStatus}) failed`, error);
  }
}

/** A price_points row as the symbol object hands it over: every column but the id, by drizzle property name. */
export type PricePointRow = Omit<typeof pricePoints.$inferInsert, "id">;
export type RawResponseRow = ReturnType<typeof rawResponseRow>;

/** The D1 row of a new point. Every field of the quote that price_points has a column for is carried. */
export function pricePointRow(quote: Quote, rawResponseId: string, eventId: string, createdAt: number): PricePointRow {
  return { ...quote, rawResponseId, eventId, createdAt };
}

/**
 * `INSERT INTO <table> (<columns>) SELECT <json fields> FROM json_each(?)`: many rows in ONE statement with one
 * bound parameter (D1 allows 100 parameters per statement, which would otherwise mean a statement per few rows).
 * Built from the drizzle table, so a column added to the schema flows through without touching this.
 */
export function insertFromJson(db: Database, table: SQLiteTable, rows: readonly object[], skip: readonly string[] = []): D1PreparedStatement {
  const columns = Object.entries(getTableColumns(table)).filter(([key]) => !skip.includes(key));
  const names = columns.map(([, column]) => `"${column.name}"`).join(", ");
  const fields = columns.map(([key]) => `json_extract(value, '$.${key}')`).join(", ");
  // "WHERE true" lets SQLite parse ON CONFLICT after a SELECT.
  return db.$client
    .prepare(`INSERT INTO "${getTableName(table)}" (${names}) SELECT ${fields} FROM json_each(?) WHERE true ON CONFLICT DO NOTHING`)
    .bind(JSON.stringify(rows));
}

export interface FlushResult {
  queries: number;
  rowsWritten: number;
}

/**
 * Points (and the raw answers they came from) in one D1 batch of at most two statements, however many rows.
 * Idempotent: a point already stored (same symbol + provider + quote time) or a raw answer already stored is
 * left as it is, so a flush retried after a lost answer writes nothing twice.
 */
export async function storePointRows(db: Database, points: readonly PricePointRow[], raws: readonly RawResponseRow[] = []): Promise<FlushResult> {
  const statements: D1PreparedStatement[] = [];
  if (raws.length > 0) statements.push(insertFromJson(db, rawResponses, raws));
  if (points.length > 0) statements.push(insertFromJson(db, pricePoints, points, ["id"]));
  if (statements.length === 0) return { queries: 0, rowsWritten: 0 };
  const results = await db.$client.batch(statements);
  return { queries: statements.length, rowsWritten: results.reduce((sum, result) => sum + (result.meta.rows_written ?? 0), 0) };
}

export interface StoredPoint {
  price: number;
  timestamp: number;
}

/** A stored point with its full quote's details, as history answers it. */
export interface StoredQuotePoint extends StoredPoint, QuoteDetails {}

const quotePointColumns = {
  price: pricePoints.price,
  timestamp: pricePoints.timestamp,
  currency: pricePoints.currency,
  open: pricePoints.open,
  high: pricePoints.high,
  low: pricePoints.low,
  previousClose: pricePoints.previousClose,
  change: pricePoints.change,
  changePercent: pricePoints.changePercent,
  volume: pricePoints.volume,
  exchange: pricePoints.exchange,
  marketState: pricePoints.marketState,
};

/** Newest first. */
export function readRecentPoints(db: Database, symbol: string, provider: string, limit: number) {
  return db
    .select({ price: pricePoints.price, timestamp: pricePoints.timestamp })
    .from(pricePoints)
    .where(and(eq(pricePoints.symbol, symbol), eq(pricePoints.provider, provider)))
    .orderBy(desc(pricePoints.timestamp))
    .limit(limit);
}

export interface HistoryQuery {
  symbol: string;
  provider: string;
  from?: number;
  to?: number;
  limit: number;
}

/** Newest first, within [from, to]. */
export async function readHistory(db: Database, query: HistoryQuery): Promise<StoredQuotePoint[]> {
  const conditions = [eq(pricePoints.symbol, query.symbol), eq(pricePoints.provider, query.provider)];
  if (query.from !== undefined) conditions.push(gte(pricePoints.timestamp, query.from));
  if (query.to !== undefined) conditions.push(lte(pricePoints.timestamp, query.to));
  return db
    .select(quotePointColumns)
    .from(pricePoints)
    .where(and(...conditions))
    .orderBy(desc(pricePoints.timestamp))
    .limit(query.limit);
}

/** Retention: raw responses older than `cutoff` go; their points may stay longer (raw_response_id then dangles). */
export async function pruneRawResponses(db: Database, cutoff: number): Promise<number> {
  const result = await db.delete(rawResponses).where(lt(rawResponses.fetchedAt, cutoff)).run();
  return result.meta.changes ?? 0;
}
