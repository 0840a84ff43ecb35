import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      DB: D1Database;
      FIXTURE_SERVER_URL: string;
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
