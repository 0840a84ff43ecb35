/**
 * `X-Request-Id` on every answer (API.md, Headers): the client's own id when it sent a usable one, else a new
 * UUID; and one log line per request that carries it, so a client's report can be found in the Worker's logs.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { readConfig } from "../env";
import { setResponseHeaders } from "./response-headers";

/** Ids a client may send: short, and nothing that could forge a log line or a header. */
const USABLE_ID = /^[\w.:=-]{1,128}$/;

export function requestIdOf(header: string | undefined): string {
  return header !== undefined && USABLE_ID.test(header) ? header : crypto.randomUUID();
}

export interface RequestLogLine {
  request_id: string;
  method: string;
  path: string;
  status: number;
  ms: number;
}

export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = requestIdOf(c.req.header("x-request-id"));
    c.set("requestId", id);
    const started = Date.now();
    try {
      await next();
    } finally {
      setResponseHeaders(c, { "x-request-id": id });
      if (readConfig(c.env).REQUEST_LOG) {
        const line: RequestLogLine = { request_id: id, method: c.req.method, path: c.req.path.slice(0, 200), status: c.res.status, ms: Date.now() - started };
        console.log(`request ${JSON.stringify(line)}`);
      }
    }
  };
}
