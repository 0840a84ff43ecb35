/**
 * src/schemas/ owns the API's zod schemas, shared by the routes and the OpenAPI document: symbols, quotes, jobs,
 * bars, averages, backfills, the versioned events and the cursor of a paged list. Shapes only: turning a stored
 * row into an answer is its route's.
 */
import { z } from "@hono/zod-openapi";
import { ErrorBodySchema } from "../errors";
import { canonicalProviderName, PROVIDER_NAMES, PROVIDER_NAMES_AND_ALIASES } from "../providers/provider";

/** A provider as answers name it: always the canonical name. */
export const ProviderNameSchema = z.enum(PROVIDER_NAMES).openapi({ example: "yfinance" });

/** A provider as a request names it: its name or an alias (`yahoo`, `yahoo_finance`, `alphavantage`), read as the canonical name. */
export const ProviderParamSchema = z
  .enum(PROVIDER_NAMES_AND_ALIASES)
  .transform(canonicalProviderName)
  .openapi({
    type: "string",
    enum: [...PROVIDER_NAMES_AND_ALIASES],
    example: "yfinance",
    description: "A provider (see /providers); the aliases yahoo and yahoo_finance (yfinance) and alphavantage (alpha_vantage) are accepted",
  });

export const IsoTimeSchema = z.string().openapi({ format: "date-time", example: "2024-03-20T15:30:00.000Z" });

/** Query numbers arrive as strings; reject what is not a whole number rather than guessing. */
export const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,12}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** A query time: ISO-8601 or epoch milliseconds. */
export const QueryTimeSchema = z
  .string()
  .max(40)
  .transform((value, context) => {
    const millis = /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
    if (!Number.isFinite(millis)) {
      context.addIssue({ code: "custom", message: "must be an ISO-8601 time or epoch milliseconds" });
      return z.NEVER;
    }
    return millis;
  })
  .openapi({ type: "string", example: "2024-03-20T15:30:00Z" });

/** Every documented error status of a route answers with the one error shape. */
export function errorResponses(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: "Malformed request (e.g. a body that is not JSON)",
    401: "Missing or invalid API key",
    404: "Not found",
    422: "Invalid parameters",
    429: "Too many requests from this client",
    502: "The provider failed or timed out",
    503: "The provider is not configured or is rate-limiting us",
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: descriptions[status] ?? "Error", content: { "application/json": { schema: ErrorBodySchema } } },
    ]),
  );
}
