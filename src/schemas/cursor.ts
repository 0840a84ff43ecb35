import { z } from "@hono/zod-openapi";

/**
 * Paging (API.md, Paging): a list answers `next_cursor`, an opaque token naming the last item of the page; the
 * next request passes it back as `cursor` and gets the items after it. A cursor names a position by the list's
 * own sort key, never an offset, so items that arrive during a walk cannot shift it: no repeats, no gaps.
 * The token is base64url of a JSON array of the key's parts.
 */
export function encodeCursor(parts: readonly (string | number)[]): string {
  const bytes = new TextEncoder().encode(JSON.stringify(parts));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeCursor(token: string): unknown {
  try {
    const binary = atob(token.replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0))));
  } catch {
    return undefined;
  }
}

/** A `cursor` query parameter whose decoded parts must match `parts`; 422 for anything else. */
export function cursorParam<T extends z.ZodType>(parts: T) {
  return z
    .string()
    .max(300, "not a cursor of this list")
    .regex(/^[A-Za-z0-9_-]+$/, "not a cursor of this list")
    .transform((token, context): z.infer<T> => {
      const parsed = parts.safeParse(decodeCursor(token));
      if (!parsed.success) {
        context.addIssue({ code: "custom", message: "not a cursor of this list: pass back a next_cursor as it was answered" });
        return z.NEVER;
      }
      return parsed.data;
    })
    .openapi({ type: "string", description: "The `next_cursor` of the previous page; omit for the first page" });
}

export const NextCursorSchema = z
  .string()
  .nullable()
  .openapi({ description: "Pass as `cursor` for the next page; null on the last page" });
