import { createRoute, z } from "@hono/zod-openapi";
import { BAR_INTERVALS } from "../../providers/history";
import { BarsSchema } from "../../schemas/bar";
import { errorResponses, ProviderParamSchema, QueryTimeSchema, wholeNumber } from "../../schemas/common";
import { SymbolSchema } from "../../schemas/symbol";

export const DEFAULT_BARS_LIMIT = 1000;

export const barsRoute = createRoute({
  method: "get",
  path: "/prices/bars",
  tags: ["bars"],
  summary: "OHLCV bars of a symbol, oldest first",
  description:
    "source=provider (default): the stored bars, with any part of the range the store lacks asked from the provider first (at most 3 provider requests per call; a range needing more answers what is stored plus `backfill`, what POST /prices/backfill would fetch; while API_KEYS is set, a client without a key is answered from the store only, never the provider, with the same hint). source=points: bars built from the stored price points (open = first, close = last, volume null). `to` defaults to now, `from` to `limit` bars before `to`.",
  request: {
    query: z.object({
      symbol: SymbolSchema,
      interval: z.enum(BAR_INTERVALS).openapi({ example: "1d" }),
      from: QueryTimeSchema.optional(),
      to: QueryTimeSchema.optional(),
      provider: ProviderParamSchema.optional(),
      limit: wholeNumber(1, 5000).optional().openapi({ type: "string", example: "1000", description: "1..5000, default 1000" }),
      source: z.enum(["provider", "points"]).optional().openapi({ example: "provider" }),
      cursor: z.string().max(64).optional().openapi({ description: "next_cursor of the previous page" }),
    }),
  },
  responses: {
    200: { description: "Bars", content: { "application/json": { schema: BarsSchema } } },
    ...errorResponses(404, 422, 502, 503),
  },
});
