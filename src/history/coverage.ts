/** Pure span arithmetic: which parts of a range the fetched windows leave open. */

/** [from, to), epoch ms. */
export interface Span {
  from: number;
  to: number;
}

/** The parts of `range` no span of `covered` (sorted by start) holds, oldest first. */
export function gapsIn(range: Span, covered: readonly Span[]): Span[] {
  const gaps: Span[] = [];
  let cursor = range.from;
  for (const span of covered) {
    if (span.to <= cursor) continue;
    if (span.from >= range.to) break;
    if (span.from > cursor) gaps.push({ from: cursor, to: Math.min(span.from, range.to) });
    cursor = Math.max(cursor, span.to);
    if (cursor >= range.to) break;
  }
  if (cursor < range.to) gaps.push({ from: cursor, to: range.to });
  return gaps;
}
