import { z } from "@hono/zod-openapi";
import { AVERAGE_KINDS, type MovingAverage } from "../averages/moving-average";
import { MAX_WINDOW } from "../averages/price-window";
import { IsoTimeSchema, ProviderNameSchema, ProviderParamSchema, wholeNumber } from "./common";

export const DEFAULT_WINDOW = 5;

export const AverageQuerySchema = z.object({
  window: wholeNumber(1, MAX_WINDOW)
    .optional()
    .openapi({ type: "string", example: "5", description: `Points in the average, 1..${MAX_WINDOW}; default ${DEFAULT_WINDOW}` }),
  provider: ProviderParamSchema.optional(),
  type: z
    .enum(AVERAGE_KINDS)
    .optional()
    .openapi({
      description:
        "sma (default): the mean of the newest `window` points. ema: seeded with the oldest of them, then e = α·price + (1 − α)·e for each newer one, α = 2 / (window + 1)",
    }),
});

export const MovingAverageSchema = z
  .object({
    symbol: z.string().openapi({ example: "TSLA" }),
    provider: ProviderNameSchema,
    window: z.number().int().openapi({ example: 5 }),
    moving_average: z.number().openapi({ example: 123.4 }),
    type: z.enum(AVERAGE_KINDS),
    as_of: IsoTimeSchema.openapi({ description: "Quote time of the newest point in the window" }),
    points: z.number().int().openapi({ description: "Points averaged" }),
  })
  .openapi("MovingAverage");

export function averageBody(average: MovingAverage): z.infer<typeof MovingAverageSchema> {
  return {
    symbol: average.symbol,
    provider: average.provider,
    window: average.window,
    moving_average: average.value,
    type: average.kind,
    as_of: new Date(average.asOf).toISOString(),
    points: average.points,
  };
}
