/**
 * HTTP caching of price answers (API.md, Headers): `Cache-Control` saying how long the answer keeps the
 * freshness it promises, and an `ETag` of its body, so `If-None-Match` with the same tag answers 304 without one.
 */
import type { Context } from "hono";

/**
 * A strong tag of the body: two 32-bit FNV-1a style hashes of its UTF-16 code units (64 bits in all), enough to
 * tell two price answers apart. Integer arithmetic only: it runs on every fresh `latest`, where a BigInt hash of
 * the encoded bytes showed in the profile.
 */
export function entityTag(body: string): string {
  let low = 0x811c9dc5;
  let high = 0x9e3779b9;
  for (let index = 0; index < body.length; index++) {
    const unit = body.charCodeAt(index);
    low = Math.imul(low ^ unit, 0x01000193);
    high = Math.imul(high ^ unit, 0x5bd1e995);
  }
  return `"${(high >>> 0).toString(36).padStart(7, "0")}${(low >>> 0).toString(36).padStart(7, "0")}"`;
}

function matches(ifNoneMatch: string | undefined, tag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(",").some((candidate) => {
    const value = candidate.trim();
    return value === "*" || value === tag || value === `W/${tag}`;
  });
}

/**
 * Answer `body` as JSON with its ETag and `Cache-Control: max-age=<freshSeconds>` (private when the request
 * carried a key: a shared cache must not hand one client's answer to another), or 304 when the client holds it.
 */
export function cacheableJson(c: Context, body: unknown, freshSeconds: number): Response {
  const text = JSON.stringify(body);
  const tag = entityTag(text);
  const scope = c.req.header("authorization") === undefined ? "public" : "private";
  const headers = {
    etag: tag,
    "cache-control": `${scope}, max-age=${Math.max(0, Math.floor(freshSeconds))}`,
  };
  if (matches(c.req.header("if-none-match"), tag)) return new Response(null, { status: 304, headers });
  return new Response(text, { status: 200, headers: { ...headers, "content-type": "application/json; charset=utf-8" } });
}
