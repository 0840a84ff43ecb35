/**
 * CORS for browser apps on other origins (API.md, Headers): off unless `CORS_ORIGINS` lists origins (or `*`).
 * Preflights are answered here, before the rate limit and the key check: a browser sends them without the
 * key, and they do no work.
 */
import type { MiddlewareHandler } from "hono";
import { cors as honoCors } from "hono/cors";
import type { AppEnv } from "../app-env";
import { readConfig, type Config } from "../env";

/** What a browser app may send and read: the key, JSON bodies, conditional requests, stream resumption. */
const ALLOWED_HEADERS = ["Authorization", "Content-Type", "If-None-Match", "Last-Event-ID", "X-Request-Id"];
const EXPOSED_HEADERS = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After", "X-Request-Id", "ETag", "Cache-Control"];

const middlewares = new WeakMap<Config, MiddlewareHandler<AppEnv>>();

function corsFor(config: Config): MiddlewareHandler<AppEnv> {
  let middleware = middlewares.get(config);
  if (!middleware) {
    const origins = config.CORS_ORIGINS;
    middleware = honoCors({
      origin: origins.includes("*") ? "*" : origins,
      allowMethods: ["GET", "HEAD", "POST", "DELETE", "OPTIONS"],
      allowHeaders: ALLOWED_HEADERS,
      exposeHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });
    middlewares.set(config, middleware);
  }
  return middleware;
}

export function cors(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const config = readConfig(c.env);
    if (config.CORS_ORIGINS.length === 0) return next();
    return corsFor(config)(c, next);
  };
}
