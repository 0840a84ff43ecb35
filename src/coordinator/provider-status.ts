import type { Env } from "../env";
import { PROVIDER_NAMES, type ProviderName } from "../providers/provider";
import { getProvider } from "../providers/registry";
import { emptyHealth, healthReport } from "./health";
import { providerClient } from "../objects/provider";
import type { ProviderStatus } from "./provider-object";

/** Each provider's health as its coordinator knows it; offline providers have none to track. */
export async function providerStatuses(env: Env): Promise<Map<ProviderName, ProviderStatus | null>> {
  const entries = await Promise.all(
    PROVIDER_NAMES.map(async (name) => {
      if (getProvider(name).answerOffline) return [name, null] as const;
      try {
        const status: ProviderStatus = await providerClient(env, name).status();
        return [name, status] as const;
      } catch (error) {
        // A status page must answer even when a coordinator cannot: say "unknown" rather than fail.
        console.error(`provider status of ${name} unavailable`, error);
        return [name, unknownStatus()] as const;
      }
    }),
  );
  return new Map(entries);
}

function unknownStatus(): ProviderStatus {
  return {
    ...healthReport(emptyHealth(), Date.now()),
    available: true,
    requests_last_minute: 0,
    requests_last_day: 0,
    polled_symbols: 0,
  };
}
