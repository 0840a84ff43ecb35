import type { Env } from "../env";
import { PROVIDER_NAMES, type ProviderName } from "../providers/provider";
import { getProvider } from "../providers/registry";
import { providerObject } from "./provider-client";
import type { ProviderStatus } from "./provider-object";

/** Each provider's health as its coordinator knows it; offline providers have none to track. */
export async function providerStatuses(env: Env): Promise<Map<ProviderName, ProviderStatus | null>> {
  const entries = await Promise.all(
    PROVIDER_NAMES.map(async (name) => {
      if (getProvider(name).answerOffline) return [name, null] as const;
      const status: ProviderStatus = await providerObject(env, name).status(name);
      return [name, status] as const;
    }),
  );
  return new Map(entries);
}
