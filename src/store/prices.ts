import { and, desc, eq, gte, lte, lt, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Quote, RawResponse } from "../providers/provider";
import { chunkRows, type Database } from "./db";
import { outbox, pricePoints, rawResponses } from "./schema";

export interface StoredRaw extends RawResponse {
  id: string;
  symbols: readonly string[];
}

/** A point about to be stored, with the event that announces it (written only if the point is new). */
export interface PointWithEvent {
  quote: Quote;
  rawResponseId: string;
  eventId: string;
  /** The serialized price.updated event. */
  eventPayload: string;
}

export function rawResponseRow(raw: StoredRaw) {
  return {
    id: raw.id,
    provider: raw.provider,
    symbols: raw.symbols.join(","),
    url: raw.url,
    httpStatus: raw.httpStatus,
    body: raw.body,
    fetchedAt: raw.fetchedAt,
  };
}

export async function storeRawResponse(db: Database, raw: StoredRaw): Promise<void> {
  await db.insert(rawResponses).values(rawResponseRow(raw));
}

/**
 * Store a poll's outcome in one D1 batch (one transaction): the raw response (unless stored already by a
 * batch coordinator), each point (deduped on symbol+provider+timestamp) and, only for points that are new,
 * their outbox rows. A point never exists without its event, and a repeated quote writes neither.
 * Returns the event ids that were written, i.e. the points that were new.
 */
export async function storePoints(db: Database, points: readonly PointWithEvent[], raw?: StoredRaw): Promise<Set<string>> {
  const now = Date.now();
  const statements: BatchItem<"sqlite">[] = [];
  if (raw) statements.push(db.insert(rawResponses).values(rawResponseRow(raw)).onConflictDoNothing());
  const pointRows = points.map(({ quote, rawResponseId }) => ({
    symbol: quote.symbol,
    provider: quote.provider,
    timestamp: quote.timestamp,
    price: quote.price,
    rawResponseId,
    createdAt: now,
  }));
  for (const chunk of chunkRows(pointRows, 6)) {
    statements.push(db.insert(pricePoints).values(chunk).onConflictDoNothing());
  }
  const firstEvent = statements.length;
  for (const point of points) statements.push(insertEventIfPointIsNew(db, point, now));
  if (statements.length === 0) return new Set();
  const [first, ...rest] = statements;
  const results = await db.batch([first!, ...rest]);
  const written = new Set<string>();
  points.forEach((point, index) => {
    if (changedRows(results[firstEvent + index]) > 0) written.add(point.eventId);
  });
  return written;
}

function changedRows(result: unknown): number {
  const changes = (result as { meta?: { changes?: number } } | undefined)?.meta?.changes;
  return typeof changes === "number" ? changes : 0;
}

/**
 * The outbox row is inserted only when the point row carries this poll's raw_response_id, which is true
 * only if this batch inserted it.
 */
function insertEventIfPointIsNew(db: Database, point: PointWithEvent, now: number) {
  const { quote } = point;
  // Drizzle inserts into every column in table order: id (NULL = next), event_id, symbol, provider,
  // payload, created_at, attempts, last_error.
  return db.insert(outbox).select(sql`
    SELECT NULL, ${point.eventId}, ${quote.symbol}, ${quote.provider}, ${point.eventPayload}, ${now}, 0, NULL
    WHERE EXISTS (
      SELECT 1 FROM ${pricePoints}
      WHERE ${pricePoints.symbol} = ${quote.symbol} AND ${pricePoints.provider} = ${quote.provider}
        AND ${pricePoints.timestamp} = ${quote.timestamp} AND ${pricePoints.rawResponseId} = ${point.rawResponseId}
    )`);
}

export interface StoredPoint {
  price: number;
  timestamp: number;
}

/** Newest first. */
export async function readRecentPoints(db: Database, symbol: string, provider: string, limit: number): Promise<StoredPoint[]> {
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
export async function readHistory(db: Database, query: HistoryQuery): Promise<StoredPoint[]> {
  const conditions = [eq(pricePoints.symbol, query.symbol), eq(pricePoints.provider, query.provider)];
  if (query.from !== undefined) conditions.push(gte(pricePoints.timestamp, query.from));
  if (query.to !== undefined) conditions.push(lte(pricePoints.timestamp, query.to));
  return db
    .select({ price: pricePoints.price, timestamp: pricePoints.timestamp })
    .from(pricePoints)
    .where(and(...conditions))
    .orderBy(desc(pricePoints.timestamp))
    .limit(query.limit);
}

/** Retention: raw responses older than `cutoff` go; points stay (their raw_response_id then dangles). */
export async function pruneRawResponses(db: Database, cutoff: number): Promise<number> {
  const result = await db.delete(rawResponses).where(lt(rawResponses.fetchedAt, cutoff)).run();
  return result.meta.changes ?? 0;
}
