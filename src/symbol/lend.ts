/**
 * How long something lent to a batch round (src/objects/round-delivery.ts) waits for the round's confirmation
 * before the object does it itself: several rounds, and more than the sink's timeout.
 */
export const LEND_MS = 20_000;

/**
 * The one entry of the point log a helper of the symbol object (delivery, flush) lent a batch round, and until
 * when. While it is out, that helper does nothing of its own, so the log still goes out in order.
 */
export class Lend {
  private lent: { seq: number; until: number } | undefined;

  get isOut(): boolean {
    return this.lent !== undefined;
  }

  /** Lend `seq`; answers when the lend runs out. */
  lend(seq: number, now: number): number {
    this.lent = { seq, until: now + LEND_MS };
    return this.lent.until;
  }

  /** The round (or the helper itself) did it through `throughSeq`: a lend that covers is over. */
  doneThrough(throughSeq: number): void {
    if (this.lent && throughSeq >= this.lent.seq) this.lent = undefined;
  }

  /** The round gives `seq` back undone; true when it was the one lent. */
  giveBack(seq: number): boolean {
    if (this.lent?.seq !== seq) return false;
    this.lent = undefined;
    return true;
  }

  /** The helper's own timer came due: whatever was lent is the helper's again (the lend ran out). */
  reclaim(): void {
    this.lent = undefined;
  }
}
