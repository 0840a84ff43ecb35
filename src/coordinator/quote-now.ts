import type { Config, Env } from "../env";
import { failed, settled, succeeded, type Outcome } from "../objects/outcome";
import { providerObject } from "../objects/provider";
import { symbolObject } from "../objects/symbol";
import type { LatestQuote, ProviderName } from "../providers/provider";
import { getProvider } from "../providers/registry";
import type { Database } from "../store/db";
import { identifyRaw, storeRawResponse, type StoredRaw } from "../store/prices";
import { forEachBounded } from "./bounded";
import { askProvider, type ProviderAccount } from "./polling";

/** The provider's budget and health, kept by its coordinator object (offline providers have none). */
function accountOf(env: Env, provider: ProviderName): ProviderAccount | undefined {
  if (getProvider(provider).answerOffline) return undefined;
  const coordinator = providerObject(env, provider);
  return { acquire: () => coordinator.acquire(provider), report: (outcome) => coordinator.report(provider, outcome) };
}

/** Provider requests in flight at once for one snapshot (as in a round). */
const CONCURRENT_REQUESTS = 4;

/** Per symbol asked, its stored latest or why there is none (Outcome: what Durable Object RPC carries). */
export type QuotedNow = { symbol: string; outcome: Outcome<LatestQuote> }[];

/**
 * Quotes for these symbols now (GET /prices/snapshot): ⌈N / batch size⌉ requests through the provider's budget
 * and health in its coordinator object, each quote recorded by its symbol object
 * (the single writer), which answers the stored latest. A symbol the answer lacks, or whose object refused it, is a failure beside the quotes.
 * An answer is stored once, and only when it brought a new point (README "What storage costs").
 */
export async function quoteNow(env: Env, db: Database, config: Config, provider: ProviderName, symbols: readonly string[]): Promise<QuotedNow> {
  const account = accountOf(env, provider);
  const size = getProvider(provider).batchSize;
  const requests: string[][] = [];
  for (let start = 0; start < symbols.length; start += size) requests.push(symbols.slice(start, start + size));
  const result: QuotedNow = [];
  await forEachBounded(requests, CONCURRENT_REQUESTS, async (chunk) => {
    try {
      const batch = await askProvider(db, account, provider, chunk, config);
      const raw = identifyRaw(batch.raw!, chunk);
      for (const [symbol, failure] of batch.failures) result.push({ symbol, outcome: failed(failure) });
      let broughtNewPoint = false;
      await forEachBounded([...batch.quotes.values()], 100, async (quote) => {
        const target = { provider, symbol: quote.symbol };
        const outcome = settled(await symbolObject(env, target).ingest(target, quote, { id: raw.id, fetchedAt: raw.fetchedAt }));
        if (outcome.ok && outcome.value.newPoint) broughtNewPoint = true;
        result.push({ symbol: quote.symbol, outcome: outcome.ok ? succeeded(outcome.value.latest) : outcome });
      });
      if (broughtNewPoint) await storeAnswer(db, raw);
    } catch (error) {
      for (const symbol of chunk) result.push({ symbol, outcome: failed(error) });
    }
  });
  return result;
}

/** Best effort: the answer is kept for tracing; its points are committed and answered either way. */
async function storeAnswer(db: Database, raw: StoredRaw): Promise<void> {
  try {
    await storeRawResponse(db, raw);
  } catch (error) {
    console.error(`storing a ${raw.provider} snapshot answer failed`, error);
  }
}
