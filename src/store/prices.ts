import { and, desc, eq, gte, lte, lt, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Quote, RawResponse } from "../providers/provider";
import { chunkRows, type Database } from "./db";
import { outbox, pricePoints, rawResponses } from "./schema";

export interface StoredRaw extends RawResponse {
  id: string;
  symbols: readonly string[];
}

/** Give a raw response its id and the symbols it answered for. */
export function identifyRaw(raw: RawResponse, symbols: readonly string[]): StoredRaw {
  return { ...raw, id: crypto.randomUUID(), symbols };
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
    bodyBytes: raw.bodyBytes,
    bodyTruncated: raw.bodyTruncated,
    fetchedAt: raw.fetchedAt,
  };
}

export async function storeRawResponse(db: Database, raw: StoredRaw): Promise<void> {
  await db.insert(rawResponses).values(rawResponseRow(raw));
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

/**
 * Store points in one D1 batch (one transaction): the raw responses not stored yet, each point (deduped on
 * symbol+provider+timestamp) and, only for points that are new, their outbox rows. A point never exists
 * without its event, and a repeated quote writes neither. Every multi-row statement stays within D1's 100
 * bound parameters. Returns the event ids that were written, i.e. the points that were new.
 */
export async function storePoints(db: Database, points: readonly PointWithEvent[], raws: readonly StoredRaw[] = []): Promise<Set<string>> {
  if (points.length === 0 && raws.length === 0) return new Set();
  const now = Date.now();
  const statements: BatchItem<"sqlite">[] = [];
  for (const chunk of chunkRows(raws.map(rawResponseRow), 9)) {
    statements.push(db.insert(rawResponses).values(chunk).onConflictDoNothing());
  }
  const pointRows = points.map(({ quote, rawResponseId, eventId }) => ({
    symbol: quote.symbol,
    provider: quote.provider,
    timestamp: quote.timestamp,
    price: quote.price,
    rawResponseId,
    eventId,
    createdAt: now,
  }));
  for (const chunk of chunkRows(pointRows, 7)) statements.push(db.insert(pricePoints).values(chunk).onConflictDoNothing());
  const firstEventStatement = statements.length;
  // 6 parameters a row plus `now`: 16 rows stay within 100 bound parameters.
  for (const chunk of chunkRows(points, 6)) statements.push(insertEventsOfNewPoints(db, chunk, now));
  const [first, ...rest] = statements;
  const results = await db.batch([first!, ...rest]);
  const written = new Set<string>();
  for (const result of results.slice(firstEventStatement)) {
    for (const row of result as { eventId: string }[]) written.add(row.eventId);
  }
  return written;
}

/**
 * Outbox rows only for points whose row carries this very event's id, which is true only if this batch
 * inserted the point; VALUES keeps the points' order, so per-symbol event order is the order of the points.
 */
function insertEventsOfNewPoints(db: Database, points: readonly PointWithEvent[], now: number) {
  const values = sql.join(
    points.map(
      ({ quote, eventId, eventPayload }, ordinal) =>
        sql`(${eventId}, ${quote.symbol}, ${quote.provider}, ${eventPayload}, ${quote.timestamp}, ${ordinal})`,
    ),
    sql`, `,
  );
  // Drizzle inserts into every column in table order: id (NULL = next), event_id, symbol, provider,
  // payload, created_at, attempts, last_error.
  return db
    .insert(outbox)
    .select(
      sql`SELECT NULL, v.column1, v.column2, v.column3, v.column4, ${now}, 0, NULL FROM (VALUES ${values}) AS v
        WHERE EXISTS (
          SELECT 1 FROM ${pricePoints} AS p
          WHERE p.symbol = v.column2 AND p.provider = v.column3 AND p.ts = v.column5 AND p.event_id = v.column1
        )
        ORDER BY v.column6`,
    )
    .returning({ eventId: outbox.eventId });
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
