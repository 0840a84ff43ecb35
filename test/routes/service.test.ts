import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, call } from "../support/api";

describe("service routes", () => {
  it("GET /health reports D1", async () => {
    const answer = await call("/health");
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: "ok", version: expect.any(String), checks: { d1: "ok" } });
  });

  it("GET /providers lists every provider with its configuration", async () => {
    const answer = await call<{ providers: Record<string, unknown>[] }>("/providers");
    expect(answer.status).toBe(200);
    expect(answer.body.providers.map((provider) => provider.name)).toEqual([
      "yfinance",
      "alpha_vantage",
      "finnhub",
      "binance",
      "polygon",
      "synthetic",
    ]);
    for (const provider of answer.body.providers) {
      expect(provider).toMatchObject({ configured: true, min_interval: expect.any(Number), batch: expect.any(Boolean) });
    }
  });

  it("GET /openapi.json is OpenAPI 3.1 and documents every route", async () => {
    const answer = await call<{ openapi: string; paths: Record<string, Record<string, unknown>> }>("/openapi.json");
    expect(answer.status).toBe(200);
    expect(answer.body.openapi).toBe("3.1.0");
    const operations = Object.entries(answer.body.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        "GET /health",
        "GET /prices/latest",
        "POST /poll/{symbol}",
        "GET /prices/history",
        "GET /providers",
      ]),
    );
  });

  it("GET /docs renders the interactive documentation", async () => {
    const response = await SELF.fetch(`${BASE}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const page = await response.text();
    // Swagger UI from the Worker's own files, never a CDN (test/browser/docs.test.ts runs it offline).
    expect(page).toContain('src="/dashboard/docs/swagger-ui-bundle.js"');
    expect(page).not.toMatch(/https?:\/\//);
  });

  it("an unknown route answers 404 JSON", async () => {
    const answer = await call("/no/such/route");
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ error: { code: "not_found", message: expect.any(String) } });
  });
});
