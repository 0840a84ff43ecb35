/** The synthetic points the ingest case and its baseline write: the same values for both. */

/** A price that varies from point to point (so averages move), deterministic for a point index. */
export function pointPrice(index: number): number {
  return 100 + (index % 1000) / 100;
}

/** Quote time of a symbol's `index`th point: one second apart, so no two collide on the unique key. */
export function pointTimestamp(firstTimestamp: number, index: number): number {
  return firstTimestamp + index * 1000;
}
