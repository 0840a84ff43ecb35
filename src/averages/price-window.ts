/**
 * The newest prices of one symbol, oldest first, held by its symbol object so that a moving average is
 * computed from memory: the cost of a read depends on the window, never on how much history is stored.
 */
export const MAX_WINDOW = 1000;

export interface WindowPoint {
  price: number;
  /** Quote time, epoch ms. */
  timestamp: number;
}

export class PriceWindow {
  private readonly prices = new Float64Array(MAX_WINDOW);
  private readonly times = new Float64Array(MAX_WINDOW);
  /** Index of the oldest point in the ring. */
  private start = 0;
  private count = 0;

  /** Seed from stored points, given newest first (as the store reads them). */
  static fromNewestFirst(points: readonly WindowPoint[]): PriceWindow {
    const window = new PriceWindow();
    for (let index = Math.min(points.length, MAX_WINDOW) - 1; index >= 0; index--) window.push(points[index]!);
    return window;
  }

  get size(): number {
    return this.count;
  }

  newest(): WindowPoint | undefined {
    return this.count === 0 ? undefined : this.at(this.count - 1);
  }

  /**
   * Add a point newer than every held one. Returns false (and changes nothing) for an older point, which
   * the caller must handle by reloading from the store, since it belongs somewhere in the middle.
   */
  push(point: WindowPoint): boolean {
    const newest = this.newest();
    if (newest && point.timestamp <= newest.timestamp) return false;
    const slot = (this.start + this.count) % MAX_WINDOW;
    this.prices[slot] = point.price;
    this.times[slot] = point.timestamp;
    if (this.count < MAX_WINDOW) this.count++;
    else this.start = (this.start + 1) % MAX_WINDOW;
    return true;
  }

  /** The i-th held point, 0 = oldest. */
  at(index: number): WindowPoint {
    const slot = (this.start + index) % MAX_WINDOW;
    return { price: this.prices[slot]!, timestamp: this.times[slot]! };
  }

  /** Simple average of the newest `window` prices; undefined when fewer are held. */
  simpleAverage(window: number): number | undefined {
    if (window < 1 || window > this.count) return undefined;
    let sum = 0;
    for (let index = this.count - window; index < this.count; index++) sum += this.prices[(this.start + index) % MAX_WINDOW]!;
    return sum / window;
  }

  /**
   * Exponential average over the newest `window` prices: seeded with the oldest of them, then
   * e = α·price + (1 − α)·e for each newer one, with α = 2 / (window + 1).
   */
  exponentialAverage(window: number): number | undefined {
    if (window < 1 || window > this.count) return undefined;
    const alpha = 2 / (window + 1);
    let average = this.prices[(this.start + this.count - window) % MAX_WINDOW]!;
    for (let index = this.count - window + 1; index < this.count; index++) {
      average = alpha * this.prices[(this.start + index) % MAX_WINDOW]! + (1 - alpha) * average;
    }
    return average;
  }
}
