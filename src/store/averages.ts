import type { MovingAverage } from "../averages/moving-average";
import type { Database } from "./db";
import { movingAverages } from "./schema";

/** Keep an answered average; the same (symbol, provider, kind, window, as_of) is stored once. */
export async function storeMovingAverage(db: Database, average: MovingAverage): Promise<void> {
  await db
    .insert(movingAverages)
    .values({
      symbol: average.symbol,
      provider: average.provider,
      kind: average.kind,
      window: average.window,
      value: average.value,
      asOf: average.asOf,
      points: average.points,
      computedAt: Date.now(),
    })
    .onConflictDoNothing();
}
