import type { Env } from "../env";
import type { ProviderName } from "../providers/provider";

/** The one coordinator object per provider: budget, health and batch rounds. */
export function providerObject(env: Env, provider: ProviderName) {
  return env.PROVIDER_OBJECT.get(env.PROVIDER_OBJECT.idFromName(`provider:${provider}`));
}
