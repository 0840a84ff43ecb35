import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

/** Settings every test run uses: providers and sinks point at the local fixture server, never the internet. */
function testBindings(fixtureServerUrl: string): Record<string, string> {
  return {
    FIXTURE_SERVER_URL: fixtureServerUrl,
    DEFAULT_PROVIDER: "synthetic",
    YFINANCE_BASE_URL: `${fixtureServerUrl}/yahoo`,
    ALPHA_VANTAGE_BASE_URL: `${fixtureServerUrl}/alphavantage`,
    FINNHUB_BASE_URL: `${fixtureServerUrl}/finnhub/api/v1`,
    BINANCE_BASE_URL: `${fixtureServerUrl}/binance`,
    POLYGON_BASE_URL: `${fixtureServerUrl}/polygon`,
    POLYGON_API_KEY: "test-polygon-key-3b8e",
    ALPHA_VANTAGE_API_KEY: "test-alpha-vantage-key-7f3a",
    FINNHUB_API_KEY: "test-finnhub-token-91c2",
    PROVIDER_TIMEOUT_MS: "1500",
    EVENT_SINK: "kafka-rest-v2",
    KAFKA_REST_URL: `${fixtureServerUrl}/kafka-v2`,
    KAFKA_TOPIC: "price-events",
    // Off for the suite: every test client shares one budget (no CF-Connecting-IP in tests), so a limit would
    // fail tests at random. test/security/rate-limit.test.ts switches it on per request through the env.
    RATE_LIMIT_PER_MINUTE: "0",
    // Every test client is one client here (no CF-Connecting-IP): test/stream/stream-caps.test.ts sets the cap.
    MAX_STREAMS_PER_CLIENT: "1000",
    // One line per request would drown the test output; test/http/ switches it on where it checks it.
    REQUEST_LOG: "false",
    // A paid Finnhub plan (the free one allows 60 a minute): test/routes/provider-plans.test.ts asks beyond 60.
    FINNHUB_REQUESTS_PER_MINUTE: "300",
    // Twice the default, so one job can put 200 symbols in one batch round.
    MAX_SYMBOLS_PER_JOB: "200",
    // Points reach D1 a second after they are committed (10 s deployed), so tests that read D1 wait less.
    HISTORY_FLUSH_SECONDS: "1",
  };
}

const FAILOVER_TESTS = "test/failover/**/*.test.ts";
const SINK_FAULT_TESTS = "test/sink-faults/**/*.test.ts";
const SINK_E2E_TESTS = "test/sinks-e2e/**/*.test.ts";
const BROWSER_TESTS = "test/browser/**/*.test.ts";
const SUSTAINED_TESTS = "test/sustained/**/*.test.ts";
const CONTRACT_TESTS = "test/contract/**/*.test.ts";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));

  /** One workerd per project, each with its own fixture server and these settings on top of testBindings. */
  type Settings = (fixtureServerUrl: string) => Record<string, string>;
  const project = (name: string, include: string[], exclude: string[], settings: Settings = () => ({})): TestProjectInlineConfiguration => ({
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: { ...testBindings(inject("fixtureServerUrl")), ...settings(inject("fixtureServerUrl")), TEST_MIGRATIONS: migrations },
        },
      })),
    ],
    test: {
      name,
      include,
      exclude,
      globalSetup: ["./test/global-setup.ts"],
      setupFiles: ["./test/support/apply-migrations.ts"],
      testTimeout: 20_000,
    },
  });

  return {
    test: {
      // The test tree and the summary; what tests log (expected errors of fault tests: sink retries, provider
      // failures) is shown only for a test that fails. workerd's own log lines (alarm notices, aborted objects)
      // belong to no test: they are held back and shown after the summary when the run fails.
      reporters: ["tree" as const, "./test/support/workerd-log-reporter.ts"],
      silent: "passed-only" as const,
      projects: [
        project("service", ["test/**/*.test.ts", SINK_E2E_TESTS], [FAILOVER_TESTS, SINK_FAULT_TESTS, BROWSER_TESTS, SUSTAINED_TESTS, CONTRACT_TESTS]),
        // Its own fixture server, so taking the sink down does not slow other tests' deliveries.
        project("sink-faults", [SINK_FAULT_TESTS], [], () => ({ EVENT_SINK_TIMEOUT_MS: "500" })),
        // Sustained jobs with a slow broker and a restart: a broker of their own, so they slow nobody else.
        project("sustained", [SUSTAINED_TESTS], []),
        // The same end-to-end delivery test through the other two sinks.
        project("sink-kafka-rest-v3", [SINK_E2E_TESTS], [], (url) => ({
          EVENT_SINK: "kafka-rest",
          KAFKA_REST_URL: `${url}/kafka-v3/kafka`,
          KAFKA_REST_CLUSTER_ID: "lkc-test",
          KAFKA_REST_API_KEY: "test-kafka-key",
          KAFKA_REST_API_SECRET: "test-kafka-secret",
        })),
        project("sink-upstash", [SINK_E2E_TESTS], [], (url) => ({
          EVENT_SINK: "upstash",
          UPSTASH_KAFKA_REST_URL: `${url}/upstash`,
          UPSTASH_KAFKA_REST_USERNAME: "test-upstash-user",
          UPSTASH_KAFKA_REST_PASSWORD: "test-upstash-password",
        })),
        // Yahoo by default with Finnhub behind it: the deployed shape of failover.
        project("failover", [FAILOVER_TESTS], [], () => ({ DEFAULT_PROVIDER: "yfinance", FALLBACK_PROVIDERS: "finnhub" })),
        // In Node: /openapi.json's validators compile schemas to code at run time, which workerd forbids.
        { test: { name: "contract", include: [CONTRACT_TESTS], environment: "node" } },
        // In Node, not workerd: the dashboard in Chromium against a `wrangler dev` the test starts (test/browser/).
        { test: { name: "browser", include: [BROWSER_TESTS], environment: "node", testTimeout: 120_000, hookTimeout: 120_000 } },
      ],
    },
  };
});
