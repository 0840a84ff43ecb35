/**
 * Access by API key (API.md, Errors and Configuration). While `API_KEYS` is set, every write route (any method
 * but GET, HEAD and OPTIONS) needs `Authorization: Bearer <one of the keys>`; with `API_KEYS_READ=true` the
 * read routes do too, except `GET /health` (uptime monitors hold no key) and `GET /` (the dashboard page, which asks for the key itself). Without `API_KEYS` the API is open.
 *
 * Keys are compared in constant time: the presented token and every configured key are hashed with SHA-256
 * (equal-length digests, so neither the length nor the first differing byte of a key shows in the timing) and
 * compared with `crypto.subtle.timingSafeEqual`, against every configured key without stopping at a match.
 * No key, presented or configured, is ever echoed in an answer or a log line.
 *
 * Anonymous reads (API_KEYS set, no valid key, API_KEYS_READ off) are served stored data only: the provider
 * budgets are the deployment's, and keyed clients and jobs must not lose them to anyone who can reach the URL.
 * The routes ask `c.get("anonymous")`: latest and snapshot answer what is stored (401 when nothing is), bars are
 * the stored ones with a hint for the rest, a moving average is computed but not stored.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { readConfig, type Config } from "../env";
import { ApiError, errorResponse } from "../errors";

const READ_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);
/** Read routes that stay open even with API_KEYS_READ=true. */
const ALWAYS_OPEN_READS: ReadonlySet<string> = new Set(["/health", "/"]);
const REALM = 'Bearer realm="market-data-service"';

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive, RFC 7235), or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? "");
  return match?.[1];
}

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

function hex(digest: ArrayBuffer): string {
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Digests of the configured keys, computed once per configuration (readConfig caches one per env). */
const configuredDigests = new WeakMap<Config, Promise<ArrayBuffer[]>>();

function digestsOf(config: Config): Promise<ArrayBuffer[]> {
  let digests = configuredDigests.get(config);
  if (!digests) {
    digests = Promise.all(config.API_KEYS.map(sha256));
    configuredDigests.set(config, digests);
  }
  return digests;
}

/**
 * Which configured key `token` is, named by the hex SHA-256 of that key (an identity that is safe to use as a
 * rate-limit bucket name; the key itself never leaves this file); undefined when it is none of them.
 */
export async function matchApiKey(token: string, config: Config): Promise<string | undefined> {
  const [presented, configured] = await Promise.all([sha256(token), digestsOf(config)]);
  let matched: ArrayBuffer | undefined;
  // Every key is compared, also after a match: the time taken does not tell which key (if any) matched.
  for (const digest of configured) {
    if (crypto.subtle.timingSafeEqual(presented, digest)) matched = digest;
  }
  return matched === undefined ? undefined : hex(matched);
}

/** The identity of the valid API key a request presents, computed once per request (two middlewares ask). */
const identities = new WeakMap<Request, Promise<string | undefined>>();

export function apiKeyIdentity(request: Request, config: Config): Promise<string | undefined> {
  let identity = identities.get(request);
  if (!identity) {
    const token = bearerToken(request.headers.get("authorization") ?? undefined);
    identity = token === undefined || config.API_KEYS.length === 0 ? Promise.resolve(undefined) : matchApiKey(token, config);
    identities.set(request, identity);
  }
  return identity;
}

function needsKey(config: Config, method: string, path: string): boolean {
  if (config.API_KEYS.length === 0) return false;
  if (!READ_METHODS.has(method)) return true;
  return config.API_KEYS_READ && !ALWAYS_OPEN_READS.has(path);
}

/** 401 with the API's error JSON and the challenge RFC 6750 asks for. */
function unauthorized(message: string, invalidToken: boolean): Response {
  const response = errorResponse(new ApiError("unauthorized", message));
  response.headers.set("www-authenticate", invalidToken ? `${REALM}, error="invalid_token"` : REALM);
  return response;
}

/**
 * Whether this request is anonymous: API_KEYS is set and it presents no valid key. Anonymous clients never
 * spend what keyed clients and jobs need (the provider budgets, D1 writes): they are served stored data only.
 */
async function isAnonymous(request: Request, config: Config): Promise<boolean> {
  if (config.API_KEYS.length === 0) return false;
  return (await apiKeyIdentity(request, config)) === undefined;
}

export function requireApiKey(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const config = readConfig(c.env);
    c.set("anonymous", await isAnonymous(c.req.raw, config));
    if (!needsKey(config, c.req.method, c.req.path)) return next();
    if (bearerToken(c.req.header("authorization")) === undefined) {
      return unauthorized(`${c.req.method} ${c.req.path} needs an API key: send Authorization: Bearer <key>`, false);
    }
    if ((await apiKeyIdentity(c.req.raw, config)) === undefined) {
      return unauthorized("the API key is not valid", true);
    }
    return next();
  };
}
