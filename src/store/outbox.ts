import { and, asc, count, desc, eq, lt, sql } from "drizzle-orm";
import type { SymbolTarget } from "../providers/provider";
import type { Database } from "./db";
import { deadLetterEvents, eventBacklogs, outbox } from "./schema";

/** The D1 outbox rows of one symbol, oldest first (at most `limit`); a query to await or to batch. */
export function readLegacyOutbox(db: Database, target: SymbolTarget, limit: number) {
  return db
    .select({ id: outbox.id, payload: outbox.payload, createdAt: outbox.createdAt })
    .from(outbox)
    .where(and(eq(outbox.symbol, target.symbol), eq(outbox.provider, target.provider)))
    .orderBy(asc(outbox.id))
    .limit(limit);
}

export async function deleteLegacyOutbox(db: Database, target: SymbolTarget, throughId: number): Promise<void> {
  await db
    .delete(outbox)
    .where(and(eq(outbox.symbol, target.symbol), eq(outbox.provider, target.provider), sql`${outbox.id} <= ${throughId}`));
}

/** Symbols that still have rows in the D1 outbox, for the sweep to wake. */
export async function symbolsWithLegacyEvents(db: Database, limit: number): Promise<SymbolTarget[]> {
  const rows = await db.selectDistinct({ symbol: outbox.symbol, provider: outbox.provider }).from(outbox).limit(limit);
  return rows.map((row) => ({ symbol: row.symbol, provider: row.provider as SymbolTarget["provider"] }));
}

export interface DeadLetter {
  eventId: string;
  symbol: string;
  provider: string;
  payload: string;
  reason: string;
  attempts: number;
  deadAt: number;
}

export async function storeDeadLetter(db: Database, letter: DeadLetter): Promise<void> {
  await db.insert(deadLetterEvents).values(letter).onConflictDoNothing();
}

/** Newest first. */
export async function readDeadLetters(db: Database, limit: number): Promise<DeadLetter[]> {
  return db.select().from(deadLetterEvents).orderBy(desc(deadLetterEvents.deadAt)).limit(limit);
}

export async function deliveryHealth(db: Database): Promise<{ dead_letters: number; symbols_behind: number }> {
  const [letters, behind] = await db.batch([
    db.select({ n: count() }).from(deadLetterEvents),
    db.select({ n: count() }).from(eventBacklogs),
  ]);
  return { dead_letters: letters[0]?.n ?? 0, symbols_behind: behind[0]?.n ?? 0 };
}

export async function countDeadLetters(db: Database): Promise<number> {
  const row = await db.select({ n: count() }).from(deadLetterEvents).get();
  return row?.n ?? 0;
}

/** This symbol's delivery is behind since `pendingSince` (kept at the first failure's value until it catches up). */
export async function markBacklog(db: Database, target: SymbolTarget, pendingSince: number): Promise<void> {
  await db.insert(eventBacklogs).values({ ...target, pendingSince }).onConflictDoNothing();
}

export async function clearBacklog(db: Database, target: SymbolTarget): Promise<void> {
  await db.delete(eventBacklogs).where(and(eq(eventBacklogs.symbol, target.symbol), eq(eventBacklogs.provider, target.provider)));
}

/** Symbols whose delivery has been behind since before `cutoff`, oldest first. */
export async function backlogsOlderThan(db: Database, cutoff: number, limit: number): Promise<SymbolTarget[]> {
  const rows = await db
    .select({ symbol: eventBacklogs.symbol, provider: eventBacklogs.provider })
    .from(eventBacklogs)
    .where(lt(eventBacklogs.pendingSince, cutoff))
    .orderBy(asc(eventBacklogs.pendingSince))
    .limit(limit);
  return rows.map((row) => ({ symbol: row.symbol, provider: row.provider as SymbolTarget["provider"] }));
}
