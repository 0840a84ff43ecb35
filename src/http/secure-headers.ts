/**
 * Security headers. The pages (the dashboard at /, the docs at /docs) get Hono's secureHeaders with a
 * Content-Security-Policy that allows only this Worker's own origin: the dashboard keeps the API key in
 * localStorage, so any script the origin ran could read it, and no script from anywhere else may run. No
 * framing (frame-ancestors 'none'). Every answer, API included, gets `X-Content-Type-Options: nosniff`.
 * The pages' own files (/dashboard/*) are served without the Worker; their headers come from dashboard/_headers.
 */
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../app-env";
import { setResponseHeaders } from "./response-headers";

export const PAGE_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  // Besides 'self': the one <style> element lightweight-charts adds for its attribution logo, by its hash (a
  // new version of the package that changes it shows up as a CSP violation in test/browser/dashboard.test.ts).
  styleSrc: ["'self'", "'sha256-3pRED1tOXas1FXFoPb9TGCjmYe9XQsmO9OV23khV2nY='"],
  // data: for the icons the pages and Swagger UI's stylesheet embed.
  imgSrc: ["'self'", "data:"],
  fontSrc: ["'self'"],
  // The dashboard's fetches, its SSE stream and its WebSocket all go to this origin.
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

export function pageSecurityHeaders(): MiddlewareHandler<AppEnv> {
  return secureHeaders({
    contentSecurityPolicy: PAGE_CSP,
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    crossOriginEmbedderPolicy: false,
    // Swagger UI and the dashboard load nothing from other origins, but HSTS is the deployment's choice.
    strictTransportSecurity: false,
  });
}

export function noSniff(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    setResponseHeaders(c, { "x-content-type-options": "nosniff" });
  };
}
