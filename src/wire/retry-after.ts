/**
 * The wait a Retry-After header asks for, in ms, from either form it may take: delay-seconds ("120", rounded up
 * to a whole ms) or an HTTP date (the time until it; 0 once it has passed). Undefined when absent or unreadable,
 * so each caller says what no answer means to it.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}
