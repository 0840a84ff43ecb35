/**
 * GET /docs: Swagger UI over /openapi.json, from this Worker's own static files (swagger-ui-dist, pinned in
 * package.json and copied into the assets by dashboard/build.ts under /dashboard/docs/): no CDN, so the page works
 * offline and runs only the code this deployment shipped. The page itself has no inline script or style, so the
 * pages' Content-Security-Policy ('self' only) holds.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env";

export const DOCS_ASSETS = "/dashboard/docs";

const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>market-data-service · API docs</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="${DOCS_ASSETS}/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${DOCS_ASSETS}/swagger-ui-bundle.js"></script>
    <script src="${DOCS_ASSETS}/docs.js"></script>
  </body>
</html>
`;

export function docsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.get("/docs", (c) => c.html(DOCS_PAGE));
}
