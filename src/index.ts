import { createApp } from "./app";
import type { Env } from "./env";
import { runWatchdog } from "./jobs/watchdog";
import { sweepStrandedEvents } from "./symbol/sweep";

export { ProviderObject } from "./coordinator/provider-object";
export { RateLimitObject } from "./access/rate-limit-object";
export { BackfillObject } from "./history/backfill-object";
export { SymbolObject } from "./symbol/symbol-object";

const app = createApp();

export default {
  fetch: app.fetch,
  // Cron (every minute): the watchdog and housekeeping, and the sweep of symbols whose delivery is behind.
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(runWatchdog(env));
    ctx.waitUntil(sweepStrandedEvents(env));
  },
} satisfies ExportedHandler<Env>;
