/**
 * src/http/ owns what every HTTP answer carries whatever the route: the request id and the request's log line,
 * CORS, the security headers, and the helpers that put headers on a finished response. Routes decide what to
 * answer; this folder decides how every answer is labelled.
 */
import type { Context } from "hono";

/** A WebSocket handshake answer (101) keeps the headers it was made with. */
function isUpgrade(response: Response): boolean {
  return response.status === 101;
}

/**
 * Put headers on the response a middleware sees after `next()`, whatever made it: a route, an error handler, or
 * a response passed on from elsewhere whose headers are immutable (then it is copied once).
 */
export function setResponseHeaders(c: Context, headers: Record<string, string>): void {
  if (isUpgrade(c.res)) return;
  try {
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  } catch {
    const copy = new Response(c.res.body, c.res);
    for (const [name, value] of Object.entries(headers)) copy.headers.set(name, value);
    c.res = undefined;
    c.res = copy;
  }
}
