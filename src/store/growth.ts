import { sql } from "drizzle-orm";
import type { Database } from "./db";

/** The warning fires at this share of the database's limit. */
const WARN_AT_SHARE = 0.8;

export interface StorageHealth {
  database_bytes: number;
  limit_bytes: number;
  /** Set once the database nears its limit: beyond it every write fails. */
  warning: string | null;
}

/** The database's size, as D1 reports it with every answer, against its limit. */
export async function storageHealth(db: Database, limitBytes: number): Promise<StorageHealth> {
  const result = await db.run(sql`SELECT 1`);
  const bytes = (result.meta as { size_after?: number }).size_after ?? 0;
  const megabytes = (value: number) => `${Math.round(value / 1_048_576)} MB`;
  const warning =
    bytes >= limitBytes * WARN_AT_SHARE
      ? `the database holds ${megabytes(bytes)} of its ${megabytes(limitBytes)} limit; every write fails beyond it (lower RAW_RETENTION_DAYS, poll fewer symbols or less often)`
      : null;
  return { database_bytes: bytes, limit_bytes: limitBytes, warning };
}
