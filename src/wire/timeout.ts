/**
 * A fetch given `AbortSignal.timeout(ms)` rejects with a TimeoutError; runtimes that predate it (and an abort
 * from elsewhere) reject with an AbortError. Either way nobody answered in time.
 */
export function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}
