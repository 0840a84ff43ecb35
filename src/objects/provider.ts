import type { Env } from "../env";
import type { ProviderName } from "../providers/provider";

/**
 * How callers reach the Durable Objects: each object's address and stub, and the Outcome that carries a
 * result or an error across RPC (src/objects/outcome.ts). Living apart from the objects themselves, these let
 * the coordinator, the symbol object, jobs and routes call each other without their folders importing each
 * other.
 */

/** The one coordinator object per provider: budget, health and batch rounds. */
export function providerObject(env: Env, provider: ProviderName) {
  return env.PROVIDER_OBJECT.get(env.PROVIDER_OBJECT.idFromName(`provider:${provider}`));
}
