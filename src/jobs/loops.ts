import type { Env } from "../env";
import { getProvider } from "../providers/registry";
import { symbolClient } from "../objects/symbol";
import { providerClient } from "../objects/provider";
import type { PollJob } from "./store";

/**
 * Where a job's symbols are polled: a provider that quotes many symbols per request polls them in its
 * coordinator's rounds; any other provider in each symbol's own object. Subscribing is idempotent, so the
 * watchdog may call it again for a loop that looks lost.
 */
export async function startLoops(env: Env, job: PollJob): Promise<void> {
  const subscription = { interval: job.interval, pinned: job.pinned };
  if (isBatched(job)) {
    await providerClient(env, job.provider).subscribe(job.symbols, job.id, subscription);
    return;
  }
  await Promise.all(
    job.symbols.map((symbol) => {
      return symbolClient(env, { provider: job.provider, symbol }).subscribe(job.id, subscription);
    }),
  );
}

function isBatched(job: PollJob): boolean {
  return getProvider(job.provider).batchSize > 1;
}

export async function stopLoops(env: Env, job: PollJob): Promise<void> {
  if (isBatched(job)) {
    await providerClient(env, job.provider).unsubscribe(job.symbols, job.id);
    return;
  }
  await Promise.all(
    job.symbols.map((symbol) => {
      return symbolClient(env, { provider: job.provider, symbol }).unsubscribe(job.id);
    }),
  );
}
