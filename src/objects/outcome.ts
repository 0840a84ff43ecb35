import { ApiError, type WireError } from "../errors";

/** Errors do not keep their class across Durable Object RPC, so results carry them as data. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: WireError };

export function succeeded<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

export function failed(error: unknown): Outcome<never> {
  return { ok: false, error: asWireError(error) };
}

/** Whatever was thrown, as an error that crosses RPC; anything but an ApiError is ours, logged, and internal. */
export function asWireError(error: unknown): WireError {
  if (error instanceof ApiError) return error.toWire();
  console.error("unexpected failure", error, error instanceof Error ? error.stack : "");
  return new ApiError("internal_error", "an unexpected error occurred").toWire();
}

/**
 * Durable Object stubs type a returned union as its first member only; passing the result through here
 * restores the declared union so both branches type-check.
 */
export function settled<T>(outcome: Outcome<T>): Outcome<T> {
  return outcome;
}

/** Unwrap at the route: a failure becomes the ApiError the app's error handler renders. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw ApiError.fromWire(outcome.error);
}
