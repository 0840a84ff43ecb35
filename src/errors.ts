import { z } from "@hono/zod-openapi";

/** The error codes of API.md, each bound to the HTTP status it is answered with. */
export const ERROR_STATUS = {
  invalid_request: 422,
  malformed_json: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  symbol_not_found: 404,
  job_not_found: 404,
  insufficient_data: 404,
  rate_limited: 429,
  provider_error: 502,
  provider_timeout: 502,
  provider_not_configured: 503,
  provider_rate_limited: 503,
  provider_plan_required: 503,
  service_unavailable: 503,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

export interface ErrorExtras {
  provider?: string;
  retry_after?: number;
  details?: unknown;
}

/** Everything the API answers with an error status is one of these; the app's error handler renders it. */
export class ApiError extends Error {
  readonly status: ErrorStatus;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extras: ErrorExtras = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = ERROR_STATUS[code];
  }

  toJSON(): ErrorBody {
    // `detail` repeats the message for clients written for FastAPI services, which read that key (API.md).
    return { error: { code: this.code, message: this.message, ...this.extras }, detail: this.message };
  }

  /** A plain object that survives Durable Object RPC (class identity does not). */
  toWire(): WireError {
    return { code: this.code, message: this.message, extras: this.extras };
  }

  static fromWire(wire: WireError): ApiError {
    return new ApiError(wire.code, wire.message, wire.extras);
  }
}

export interface WireError {
  code: ErrorCode;
  message: string;
  extras: ErrorExtras;
}

export const ErrorBodySchema = z
  .object({
    error: z
      .object({
        code: z.string().openapi({ example: "invalid_request" }),
        message: z.string().openapi({ example: "symbol must match ^[A-Z0-9^][A-Z0-9.\\-=^/:_]{0,23}$ after upper-casing" }),
        provider: z.string().optional(),
        retry_after: z.number().int().optional(),
        details: z.unknown().optional(),
      })
      .openapi("ErrorDetail"),
    detail: z.string().openapi({ description: "The message again, under the key FastAPI clients read" }),
  })
  .openapi("Error");

export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/**
 * Retry-After for a 429 or 503 whose cause named no time (API.md: every 429 and 503 carries one): a sink that is
 * catching up soon, a missing provider key only after someone sets it.
 */
const DEFAULT_RETRY_AFTER: Partial<Record<ErrorCode, number>> = { service_unavailable: 5, provider_not_configured: 300 };

function retryAfterOf(error: ApiError): number | undefined {
  if (error.extras.retry_after !== undefined) return error.extras.retry_after;
  if (error.status !== 429 && error.status !== 503) return undefined;
  return DEFAULT_RETRY_AFTER[error.code] ?? 60;
}

export function errorResponse(error: ApiError): Response {
  const headers = new Headers({ "content-type": "application/json; charset=utf-8" });
  const retryAfter = retryAfterOf(error);
  if (retryAfter !== undefined) headers.set("retry-after", String(retryAfter));
  return new Response(JSON.stringify(error.toJSON()), { status: error.status, headers });
}
