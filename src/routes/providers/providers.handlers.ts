import type { AppRouteHandler } from "../../app-env";
import { readConfig } from "../../env";
import { PROVIDER_NAMES } from "../../providers/provider";
import { providerStatuses } from "../../coordinator/provider-status";
import { getProvider, isConfigured, providerBudget } from "../../providers/registry";
import type { providersRoute } from "./providers.routes";

export const listProviders: AppRouteHandler<typeof providersRoute> = async (c) => {
  const config = readConfig(c.env);
  const statuses = await providerStatuses(c.env);
  const providers = PROVIDER_NAMES.map((name) => {
    const provider = getProvider(name);
    const budget = providerBudget(config, name);
    return {
      name,
      configured: isConfigured(config, name),
      min_interval: provider.minInterval,
      batch: provider.batchSize > 1,
      batch_size: provider.batchSize,
      needs_key: provider.needsKey,
      default: config.DEFAULT_PROVIDER === name,
      budget: { per_minute: budget.perMinute ?? null, per_day: budget.perDay ?? null },
      symbols: { pattern: provider.symbols.pattern.source, accepts: provider.symbols.description },
      health: statuses.get(name) ?? null,
    };
  });
  return c.json({ providers }, 200);
};
