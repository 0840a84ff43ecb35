/**
 * The Worker the bench measures: the product exactly as deployed (src/index.ts: its fetch, its cron, its
 * Durable Object classes) plus bench-only routes under /__bench/, in the same isolate of the same workerd.
 *
 * Why a separate entry rather than a route behind a BENCH_* var in the product: the product's code, bundle and
 * OpenAPI document stay free of anything that exists only to be measured, and no deployment can switch it on by
 * mistake. `wrangler dev bench/bench-worker.ts -c wrangler.toml` runs it with the product's own bindings,
 * Durable Object classes and migrations, so both routes of a comparison share one runtime, one port and one
 * set of connections. Requests outside /__bench/ go to the product's fetch untouched.
 */
import product, { ProviderObject, RateLimitObject, SymbolObject } from "../src/index";
import type { Env } from "../src/env";
import { benchRoutes, BENCH_PREFIX } from "./worker/routes";

export { ProviderObject, RateLimitObject, SymbolObject };

const bench = benchRoutes();

function isBenchRequest(request: Request): boolean {
  return new URL(request.url).pathname.startsWith(BENCH_PREFIX);
}

export default {
  fetch(request, env, ctx) {
    return isBenchRequest(request) ? bench.fetch(request, env, ctx) : product.fetch(request, env, ctx);
  },
  scheduled: product.scheduled,
} satisfies ExportedHandler<Env>;
