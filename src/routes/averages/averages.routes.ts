import { createRoute, z } from "@hono/zod-openapi";
import { AverageQuerySchema, MovingAverageSchema } from "../../schemas/average";
import { errorResponses } from "../../schemas/common";
import { SymbolSchema } from "../../schemas/symbol";

const description =
  "The moving average of the newest `window` stored price points of the symbol (from DEFAULT_PROVIDER unless `provider` is given), computed by the symbol's object from memory and stored. Fewer stored points than `window`: 404 insufficient_data.";

const responses = {
  200: { description: "The moving average", content: { "application/json": { schema: MovingAverageSchema } } },
  ...errorResponses(404, 422),
};

export const averageBySymbolRoute = createRoute({
  method: "get",
  path: "/ma/{symbol}",
  tags: ["averages"],
  summary: "Moving average of a symbol",
  description,
  request: {
    params: z.object({ symbol: SymbolSchema.openapi({ param: { name: "symbol", in: "path" } }) }),
    query: AverageQuerySchema,
  },
  responses,
});

export const averageByQueryRoute = createRoute({
  method: "get",
  path: "/prices/ma",
  tags: ["averages"],
  summary: "Moving average of a symbol (query form)",
  description,
  request: { query: AverageQuerySchema.extend({ symbol: SymbolSchema }) },
  responses,
});
