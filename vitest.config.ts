import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** Settings every test run uses: providers and sinks point at the local fixture server, never the internet. */
function testBindings(fixtureServerUrl: string): Record<string, string> {
  return {
    FIXTURE_SERVER_URL: fixtureServerUrl,
    DEFAULT_PROVIDER: "synthetic",
    YFINANCE_BASE_URL: `${fixtureServerUrl}/yahoo`,
    ALPHA_VANTAGE_BASE_URL: `${fixtureServerUrl}/alphavantage`,
    FINNHUB_BASE_URL: `${fixtureServerUrl}/finnhub/api/v1`,
    BINANCE_BASE_URL: `${fixtureServerUrl}/binance`,
    ALPHA_VANTAGE_API_KEY: "test-alpha-vantage-key-7f3a",
    FINNHUB_API_KEY: "test-finnhub-token-91c2",
    PROVIDER_TIMEOUT_MS: "1500",
    EVENT_SINK: "none",
  };
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: { ...testBindings(inject("fixtureServerUrl")), TEST_MIGRATIONS: migrations },
        },
      })),
    ],
    test: {
      globalSetup: ["./test/global-setup.ts"],
      setupFiles: ["./test/support/apply-migrations.ts"],
      include: ["test/**/*.test.ts"],
      testTimeout: 20_000,
    },
  };
});
