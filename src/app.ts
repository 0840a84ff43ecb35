import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { requireApiKey } from "./access/api-keys";
import { rateLimit } from "./access/rate-limit";
import { limitBodySize, requireJsonBody } from "./access/request-limits";
import type { AppEnv } from "./app-env";
import { ApiError, errorResponse } from "./errors";
import { cors } from "./http/cors";
import { requestId } from "./http/request-id";
import { noSniff, pageSecurityHeaders } from "./http/secure-headers";
import { docsRoutes } from "./routes/docs";
import { averagesRoutes } from "./routes/averages";
import { backfillRoutes } from "./routes/backfill";
import { barsRoutes } from "./routes/bars";
import { eventsRoutes } from "./routes/events";
import { healthRoutes } from "./routes/health";
import { jobsRoutes } from "./routes/jobs";
import { pricesRoutes } from "./routes/prices";
import { rootRoutes } from "./routes/root";
import { providersRoutes } from "./routes/providers";
import { streamRoutes } from "./routes/stream";
import { SERVICE_VERSION } from "./version";

/** Turn whatever was thrown into API.md's error JSON; never a stack trace, never a 500 for a client's doing. */
export function toApiError(error: unknown, requestId = "-"): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    if (error.status === 400) return new ApiError("malformed_json", "the request body is not valid JSON");
    if (error.status === 413) return new ApiError("payload_too_large", "the request body is too large");
    if (error.status === 415) return new ApiError("unsupported_media_type", "send the body as application/json");
    if (error.status === 401) return new ApiError("unauthorized", "a valid API key is required");
  }
  console.error(`unhandled error (request ${requestId})`, error);
  return new ApiError("internal_error", "an unexpected error occurred");
}

function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((issue) => `${issue.path.map(String).join(".") || "request"}: ${issue.message}`).join("; ");
}

export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // Validation failures of any route: 422 with every problem named.
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError("invalid_request", formatIssues(result.error.issues), {
          details: result.error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message })),
        });
      }
    },
  });

  app.onError((error, c) => errorResponse(toApiError(error, c.get("requestId"))));
  app.notFound((c) => errorResponse(new ApiError("not_found", `no route for ${c.req.method} ${c.req.path.slice(0, 200)}`)));

  // Every answer carries its request id (and is logged); CORS preflights are answered before any limit.
  app.use(requestId(), noSniff(), cors());
  app.use("/", pageSecurityHeaders());
  app.use("/docs", pageSecurityHeaders());
  // Cheapest refusals first: oversized bodies, then clients over their budget, then missing keys; a body is
  // parsed only for a client that may send it.
  app.use(limitBodySize(), rateLimit(), requireApiKey(), requireJsonBody());

  rootRoutes(app);
  healthRoutes(app);
  pricesRoutes(app);
  barsRoutes(app);
  backfillRoutes(app);
  jobsRoutes(app);
  averagesRoutes(app);
  providersRoutes(app);
  streamRoutes(app);
  eventsRoutes(app);

  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "market-data-service",
      version: SERVICE_VERSION,
      description: "Real-time and historical prices from public providers, stored, polled, averaged and published.",
    },
  });
  docsRoutes(app);
  return app;
}
