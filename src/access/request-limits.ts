/**
 * What a request body may be, checked before any route sees it: at most MAX_BODY_BYTES (413
 * `payload_too_large`), JSON when there is one (415 `unsupported_media_type`), and well-formed JSON (400
 * `malformed_json`). A request without a body passes untouched. The limits on a job's contents
 * (`MAX_SYMBOLS_PER_JOB`, `MAX_ACTIVE_JOBS`) need the parsed job, so the jobs routes enforce them.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors";

/** Far above any valid body (a job of 100 symbols is ~2 KiB), far below what would cost us memory or CPU. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The media types the route validators read as JSON (hono's own test): application/json, application/*+json. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

export function limitBodySize(): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError("payload_too_large", `the request body is larger than ${MAX_BODY_BYTES} bytes`);
    },
  });
}

function hasBody(request: Request): boolean {
  return request.body !== null && request.headers.get("content-length") !== "0";
}

export function requireJsonBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!hasBody(c.req.raw)) return next();
    const mediaType = (c.req.header("content-type") ?? "").split(";")[0]!.trim();
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      throw new ApiError("unsupported_media_type", "send the request body as JSON (Content-Type: application/json)");
    }
    try {
      // Parsed once here; hono caches it, so a route's validator reads the same value without parsing again.
      await c.req.json();
    } catch {
      throw new ApiError("malformed_json", "the request body is not valid JSON");
    }
    return next();
  };
}
