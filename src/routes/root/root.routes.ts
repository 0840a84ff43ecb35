import { createRoute, z } from "@hono/zod-openapi";

export const ServiceInfoSchema = z
  .object({
    service: z.string().openapi({ example: "market-data-service" }),
    version: z.string().openapi({ example: "0.1.0" }),
    docs: z.string().openapi({ format: "uri", description: "The interactive API docs" }),
    openapi: z.string().openapi({ format: "uri", description: "This API's OpenAPI 3.1 document" }),
    dashboard: z.string().openapi({ format: "uri", description: "The dashboard page (what a browser gets here)" }),
  })
  .openapi("ServiceInfo");

export const rootRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["service"],
  summary: "What this service is, or the dashboard for a browser",
  description:
    "A client that does not list `text/html` in `Accept` (curl, scripts, API clients) gets this JSON with links; a browser gets the dashboard page.",
  responses: {
    200: {
      description: "The service's name, version and links (JSON), or the dashboard (HTML)",
      content: {
        "application/json": { schema: ServiceInfoSchema },
        "text/html": { schema: z.string().openapi({ description: "The dashboard page" }) },
      },
    },
  },
});
