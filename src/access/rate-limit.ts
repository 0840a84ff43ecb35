/**
 * src/access/ owns who may use the API and how much of it: API keys (api-keys.ts), the per-client rate limit
 * (here, with its object in rate-limit-object.ts and the isolate's allowance in local-allowance.ts), what a
 * request body may be (request-limits.ts) and how many streams a client holds open (stream-slots.ts).
 *
 * Per-client rate limit on every route: `RATE_LIMIT_PER_MINUTE` requests a minute (token bucket, bursts of that
 * size allowed; 0 turns the limit off). Over the limit: 429 `rate_limited` with `Retry-After`.
 *
 * Who a client is: the valid API key it presents, else the network it comes from (`CF-Connecting-IP`, which
 * Cloudflare sets and a client cannot forge; an IPv6 client counts as its /64, since anyone holding one address
 * holds the whole /64). An Authorization header that is not a configured key counts as nothing: otherwise a
 * client could mint a fresh budget per request by sending random tokens.
 *
 * Why a Durable Object and not the Workers Rate Limiting binding (`[[ratelimits]]`): the binding's limit and
 * period are fixed in wrangler.toml at deploy time (period 10 or 60 s only; at run time `limit()` takes just a
 * key), so `RATE_LIMIT_PER_MINUTE` could not configure it; its counts are per Cloudflare location and
 * approximate by design; and it answers only success or not, with nothing to derive `Retry-After` from. One
 * object per client (RateLimitObject) gives an exact, global count, a configurable limit and a precise
 * Retry-After; with one object per client there is no shared hot spot, and the object lives near the client's
 * first request. A busy client does not pay one object call per request: each isolate holds a small allowance
 * granted by the object (local-allowance.ts says how much, and the bounds that keeps).
 *
 * Every response the limiter counted carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { readConfig, type Config } from "../env";
import { ApiError, errorResponse } from "../errors";
import { setResponseHeaders } from "../http/response-headers";
import { apiKeyIdentity } from "./api-keys";
import { takeRequest, type Taken } from "./local-allowance";

/**
 * The network an address belongs to, for rate limiting: an IPv4 address as it is, an IPv6 address as its /64
 * (the first four groups, after expanding "::"); an IPv4-mapped IPv6 address as its IPv4 address.
 */
export function clientNetwork(address: string): string {
  const ip = address.trim().toLowerCase();
  if (!ip.includes(":")) return ip;
  const mapped = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(ip);
  if (mapped?.[1]) return mapped[1];
  const [head = "", tail] = ip.split("::", 2);
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = tail === undefined ? [] : Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill("0");
  const groups = [...headGroups, ...zeros, ...tailGroups].map((group) => group.replace(/^0+(?=.)/, ""));
  return `${groups.slice(0, 4).join(":")}::/64`;
}

/** What an IPv4 or IPv6 address can look like; anything else is no address. */
const IP_ADDRESS = /^[0-9A-Fa-f:.]{2,45}$/;

/** The name of the client's budget: its key's identity, else its network. Never the key itself. */
export async function clientId(request: Request, config: Config): Promise<string> {
  const key = await apiKeyIdentity(request, config);
  if (key !== undefined) return `key:${key}`;
  // Without a usable CF-Connecting-IP (only outside Cloudflare: local dev, tests) all clients share one budget.
  const address = request.headers.get("cf-connecting-ip") ?? "";
  return `ip:${IP_ADDRESS.test(address) ? clientNetwork(address) : "unknown"}`;
}

/** Errors a Durable Object call carries (workerd sets these on the thrown Error). */
function isOverloaded(error: unknown): boolean {
  return error instanceof Error && Reflect.get(error, "overloaded") === true;
}

/** RateLimit-* headers (IETF draft names, API.md Headers) of a request the limiter counted. */
function rateLimitHeaders(taken: Taken): Record<string, string> {
  return {
    "ratelimit-limit": String(taken.limit),
    "ratelimit-remaining": String(taken.remaining),
    "ratelimit-reset": String(taken.resetSeconds),
    "ratelimit-policy": `${taken.limit};w=60`,
  };
}

/** What the request gets when the limiter cannot answer. */
function whenLimiterFails(error: unknown, perMinute: number): Taken | undefined {
  // An overloaded limiter is one client's own flood (every client has its own object): refuse it.
  if (isOverloaded(error)) return { allowed: false, retryAfterSeconds: 1, limit: perMinute, remaining: 0, resetSeconds: 1 };
  // Any other failure of the limiter must not take the API down with it: let the request through, uncounted.
  console.warn(`rate limit: the limiter failed, request admitted: ${String(error)}`);
  return undefined;
}

export function rateLimit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const config = readConfig(c.env);
    const perMinute = config.RATE_LIMIT_PER_MINUTE;
    if (perMinute === 0) return next();
    const client = await clientId(c.req.raw, config);
    const namespace = c.env.RATE_LIMIT_OBJECT;
    const ask = (wanted: number) => namespace.get(namespace.idFromName(client)).admit(perMinute, wanted);
    let taken: Taken | undefined;
    try {
      taken = await takeRequest(client, perMinute, ask);
    } catch (error) {
      taken = whenLimiterFails(error, perMinute);
    }
    if (taken === undefined) return next();
    if (!taken.allowed) {
      const refused = errorResponse(
        new ApiError("rate_limited", `too many requests: ${perMinute} a minute are allowed; retry in ${taken.retryAfterSeconds} s`, {
          retry_after: taken.retryAfterSeconds,
        }),
      );
      for (const [name, value] of Object.entries(rateLimitHeaders(taken))) refused.headers.set(name, value);
      return refused;
    }
    await next();
    setResponseHeaders(c, rateLimitHeaders(taken));
  };
}
