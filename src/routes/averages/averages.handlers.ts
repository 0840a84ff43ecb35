import type { AppRouteHandler } from "../../app-env";
import type { AverageKind } from "../../averages/moving-average";
import { readConfig, type Env } from "../../env";
import type { ProviderName } from "../../providers/provider";
import { averageBody, DEFAULT_WINDOW } from "../../schemas/average";
import { unwrap } from "../../objects/outcome";
import { symbolClient } from "../../objects/symbol";
import type { averageByQueryRoute, averageBySymbolRoute } from "./averages.routes";

interface AverageRequest {
  symbol: string;
  provider?: ProviderName;
  window?: number;
  type?: AverageKind;
  /** False for a client without a key: the average is answered, not stored. */
  record: boolean;
}

async function movingAverage(env: Env, request: AverageRequest) {
  const target = { provider: request.provider ?? readConfig(env).DEFAULT_PROVIDER, symbol: request.symbol };
  const outcome = await symbolClient(env, target).movingAverage(request.type ?? "sma", request.window ?? DEFAULT_WINDOW, request.record);
  return averageBody(unwrap(outcome));
}

export const getAverageBySymbol: AppRouteHandler<typeof averageBySymbolRoute> = async (c) => {
  const { symbol } = c.req.valid("param");
  return c.json(await movingAverage(c.env, { symbol, ...c.req.valid("query"), record: !c.get("anonymous") }), 200);
};

export const getAverageByQuery: AppRouteHandler<typeof averageByQueryRoute> = async (c) => {
  return c.json(await movingAverage(c.env, { ...c.req.valid("query"), record: !c.get("anonymous") }), 200);
};
