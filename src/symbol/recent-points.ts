import { MAX_WINDOW, PriceWindow, type WindowPoint } from "../averages/price-window";

/**
 * The newest MAX_WINDOW points of one symbol, in quote-time order, held in the object's memory: what dedupes a
 * quote (symbol + provider + quote time) without asking D1, and what moving averages are computed from. Loaded
 * once per wake (from D1 and the object's log), then kept up to date by every new point.
 */
export class RecentPoints {
  /** Oldest first. */
  private readonly points: WindowPoint[] = [];
  private readonly times = new Set<number>();
  private window: PriceWindow | undefined;

  constructor(points: readonly WindowPoint[]) {
    for (const point of points) this.add(point);
  }

  get size(): number {
    return this.points.length;
  }

  /**
   * Whether a quote at this time is stored already, as far as anyone can tell: it is one of the held points, or
   * older than all of them while MAX_WINDOW are held (such a point may well be in D1; it is taken as stored).
   */
  isKnown(timestamp: number): boolean {
    if (this.times.has(timestamp)) return true;
    const oldest = this.points[0];
    return this.points.length >= MAX_WINDOW && oldest !== undefined && timestamp < oldest.timestamp;
  }

  add(point: WindowPoint): void {
    if (this.times.has(point.timestamp)) return;
    let index = this.points.length;
    while (index > 0 && this.points[index - 1]!.timestamp > point.timestamp) index--;
    const newest = index === this.points.length;
    this.points.splice(index, 0, point);
    this.times.add(point.timestamp);
    if (this.points.length > MAX_WINDOW) this.times.delete(this.points.shift()!.timestamp);
    // The common case (a newer point) extends the averages' window; anything else rebuilds it on the next read.
    if (newest && this.window?.push(point)) return;
    this.window = undefined;
  }

  /** The averages' view of the same points. */
  priceWindow(): PriceWindow {
    this.window ??= PriceWindow.fromNewestFirst([...this.points].reverse());
    return this.window;
  }
}
