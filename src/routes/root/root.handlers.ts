import type { AppRouteHandler } from "../../app-env";
import { SERVICE_VERSION } from "../../version";
import type { rootRoute } from "./root.routes";

/**
 * Whether the client asks for HTML by name (a browser's `Accept: text/html,…`). `*∕*` alone does not count:
 * scripts and API clients send it, and they want the JSON.
 */
export function acceptsHtml(accept: string | undefined): boolean {
  return (accept ?? "").split(",").some((range) => {
    const [mediaType = "", ...parameters] = range.split(";").map((part) => part.trim().toLowerCase());
    if (mediaType !== "text/html") return false;
    const quality = parameters.find((parameter) => parameter.startsWith("q="));
    return quality === undefined || Number(quality.slice(2)) > 0;
  });
}

export const getRoot: AppRouteHandler<typeof rootRoute> = async (c) => {
  if (acceptsHtml(c.req.header("accept"))) {
    // The dashboard is a static asset; ask for it by its own path, with the client's method (GET or HEAD).
    const page = await c.env.ASSETS.fetch(new Request(new URL("/", c.req.url), { method: c.req.method }));
    return new Response(page.body, page);
  }
  const link = (path: string) => new URL(path, c.req.url).href;
  return c.json(
    { service: "market-data-service", version: SERVICE_VERSION, docs: link("/docs"), openapi: link("/openapi.json"), dashboard: link("/") },
    200,
  );
};
