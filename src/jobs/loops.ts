import type { Env } from "../env";
import { getProvider } from "../providers/registry";
import { symbolObject } from "../objects/symbol";
import { providerObject } from "../objects/provider";
import type { PollJob } from "./store";

/**
 * Where a job's symbols are polled: a provider that quotes many symbols per request polls them in its
 * coordinator's rounds; any other provider in each symbol's own object. Subscribing is idempotent, so the
 * watchdog may call it again for a loop that looks lost.
 */
export async function startLoops(env: Env, job: PollJob): Promise<void> {
  const subscription = { interval: job.interval, pinned: job.pinned };
  if (isBatched(job)) {
    await providerObject(env, job.provider).subscribe(job.provider, job.symbols, job.id, subscription);
    return;
  }
  await Promise.all(
    job.symbols.map((symbol) => {
      const target = { provider: job.provider, symbol };
      return symbolObject(env, target).subscribe(target, job.id, subscription);
    }),
  );
}

function isBatched(job: PollJob): boolean {
  return getProvider(job.provider).batchSize > 1;
}

export async function stopLoops(env: Env, job: PollJob): Promise<void> {
  if (isBatched(job)) {
    await providerObject(env, job.provider).unsubscribe(job.provider, job.symbols, job.id);
    return;
  }
  await Promise.all(
    job.symbols.map((symbol) => {
      const target = { provider: job.provider, symbol };
      return symbolObject(env, target).unsubscribe(target, job.id);
    }),
  );
}
