import type { D1Migration } from "cloudflare:test";

// The Worker's own bindings come from worker-configuration.d.ts (`wrangler types`); tests add theirs, and
// the settings of vitest.config.ts's testBindings that tests read back.
declare global {
  namespace Cloudflare {
    interface Env {
      FIXTURE_SERVER_URL: string;
      TEST_MIGRATIONS: D1Migration[];
      ALPHA_VANTAGE_API_KEY: string;
      FINNHUB_API_KEY: string;
      RATE_LIMIT_PER_MINUTE: string;
    }
  }
}
