/**
 * /docs in a real browser with no network beyond the service: Swagger UI comes from the Worker's own static
 * files (the pinned swagger-ui-dist), lists the operations of /openapi.json, and runs under the pages'
 * Content-Security-Policy without a single violation. Every request to another origin is refused and recorded.
 */
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBrowserSession, type BrowserSession } from "./chromium";
import type { LocalService } from "./local-service";

let session: BrowserSession | undefined;
let service: LocalService;
let browser: BrowserContext;
const elsewhere: string[] = [];

beforeAll(async () => {
  session = await startBrowserSession("docs");
  ({ service, browser } = session);
  // No network: anything not served by the service itself is refused (and would fail the test below).
  await browser.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(service.url) || url.startsWith("data:")) return route.continue();
    elsewhere.push(url);
    return route.abort("internetdisconnected");
  });
});

afterAll(async () => {
  await session?.stop();
});

describe("/docs", () => {
  it("shows every operation of /openapi.json from the Worker's own files, with no network and no CSP violation", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });

    await page.goto(`${service.url}/docs`);
    await page.locator(".opblock").first().waitFor({ timeout: 30_000 });

    const document = (await (await fetch(`${service.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([route, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${route}`));
    const shown = await page.locator(".opblock-summary").evaluateAll((blocks) =>
      blocks.map((block) => {
        const method = block.querySelector(".opblock-summary-method")?.textContent ?? "";
        const route = block.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? "";
        return `${method.trim().toUpperCase()} ${route}`;
      }),
    );
    expect(shown.sort()).toEqual(documented.sort());
    expect(shown).toContain("GET /prices/latest");
    expect(elsewhere).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("sends the pages' security headers, and nosniff on the API and the static files", async () => {
    const docs = await fetch(`${service.url}/docs`);
    const csp = docs.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(docs.headers.get("x-content-type-options")).toBe("nosniff");
    const dashboard = await fetch(`${service.url}/`, { headers: { accept: "text/html" } });
    expect(dashboard.headers.get("content-security-policy")).toBe(csp);
    for (const file of ["/dashboard/docs/swagger-ui-bundle.js", "/dashboard/app.js", "/health"]) {
      const response = await fetch(`${service.url}${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get("x-content-type-options"), file).toBe("nosniff");
    }
  });
});
