import { and, asc, eq, lte, sql } from "drizzle-orm";
import { PriceEventSchema, type PriceEvent } from "../schemas/price-event";
import type { Database } from "../store/db";
import { outbox } from "../store/schema";
import type { SymbolTarget } from "../providers/provider";
import type { Sink } from "./sink";

/** Events handed to the sink in one publish call; per-symbol order is their outbox order. */
export const OUTBOX_DELIVERY_BATCH = 100;

export interface DeliveryResult {
  delivered: number;
  /** More events are waiting after this batch. */
  more: boolean;
}

/**
 * Deliver the oldest pending events of one symbol, in order. The rows are deleted only after the sink
 * acknowledged every event of the batch; on failure they stay (attempts and last_error recorded) and the
 * same event ids are sent again later, so a consumer sees duplicates only as retries of one event_id.
 */
export async function deliverOutbox(db: Database, sink: Sink, target: SymbolTarget): Promise<DeliveryResult> {
  const rows = await db
    .select({ id: outbox.id, payload: outbox.payload })
    .from(outbox)
    .where(and(eq(outbox.symbol, target.symbol), eq(outbox.provider, target.provider)))
    .orderBy(asc(outbox.id))
    .limit(OUTBOX_DELIVERY_BATCH + 1);
  const batch = rows.slice(0, OUTBOX_DELIVERY_BATCH);
  if (batch.length === 0) return { delivered: 0, more: false };
  const events: PriceEvent[] = batch.map((row) => PriceEventSchema.parse(JSON.parse(row.payload)));
  // The batch is the oldest rows of this target, so "id <= last" names exactly them in 3 bound parameters.
  const inBatch = and(
    eq(outbox.symbol, target.symbol),
    eq(outbox.provider, target.provider),
    lte(outbox.id, batch[batch.length - 1]!.id),
  );
  try {
    await sink.publish(events);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await db
      .update(outbox)
      .set({ attempts: sql`${outbox.attempts} + 1`, lastError: message.slice(0, 500) })
      .where(inBatch);
    throw error;
  }
  await db.delete(outbox).where(inBatch);
  return { delivered: batch.length, more: rows.length > batch.length };
}

export async function countPending(db: Database, target: SymbolTarget): Promise<number> {
  const row = await db
    .select({ count: sql<number>`count(*)` })
    .from(outbox)
    .where(and(eq(outbox.symbol, target.symbol), eq(outbox.provider, target.provider)))
    .get();
  return row?.count ?? 0;
}
