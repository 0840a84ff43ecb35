/** Small helpers every part of the page uses. */
import { ApiFailure } from "./api";

export function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

/** An error as a person reads it: the API's message and code, or the failure's message. */
export function describe(error: unknown): string {
  return error instanceof ApiFailure ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error);
}

export const format = (value: number | undefined) => (value === undefined ? "—" : value.toLocaleString(undefined, { maximumFractionDigits: 4 }));
