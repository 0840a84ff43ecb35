/**
 * src/store/ owns D1: every drizzle table (schema.ts), the connection (here), and the queries the objects, the
 * cron and the routes share (prices, averages, the outbox, growth, point retention). The queries of bars and
 * backfills are src/history/'s.
 */
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";

/** With the D1 binding itself, for the few statements drizzle cannot batch (json_each inserts). */
export type Database = DrizzleD1Database<typeof schema> & { $client: D1Database };

export function database(d1: D1Database): Database {
  return drizzle(d1, { schema });
}

/** D1 allows at most 100 bound parameters per statement: rows per multi-row INSERT for a row of `columns`. */
export const D1_MAX_BOUND_PARAMETERS = 100;

export function chunkRows<T>(rows: readonly T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(D1_MAX_BOUND_PARAMETERS / columns));
  const chunks: T[][] = [];
  for (let start = 0; start < rows.length; start += size) chunks.push(rows.slice(start, start + size));
  return chunks;
}
