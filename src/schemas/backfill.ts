import { z } from "@hono/zod-openapi";
import { BAR_INTERVALS } from "../providers/history";
import { IsoTimeSchema, ProviderNameSchema, ProviderParamSchema, QueryTimeSchema } from "./common";
import { SymbolSchema } from "./symbol";

export const CreateBackfillSchema = z
  .object({
    symbols: z.array(SymbolSchema).min(1).max(1000).openapi({ example: ["AAPL"] }),
    interval: z.enum(BAR_INTERVALS).openapi({ example: "1d" }),
    from: QueryTimeSchema.openapi({ example: "2024-01-01T00:00:00Z" }),
    to: QueryTimeSchema.openapi({ example: "2025-01-01T00:00:00Z" }),
    provider: ProviderParamSchema.optional(),
  })
  .openapi("CreateBackfill");

const RangeOfSymbol = z.object({ symbol: z.string(), from: IsoTimeSchema, to: IsoTimeSchema });

export const BackfillSchema = z
  .object({
    backfill_id: z.string(),
    status: z.enum(["queued", "running", "done", "failed", "cancelled"]),
    config: z.object({
      symbols: z.array(z.string()),
      interval: z.string(),
      from: IsoTimeSchema,
      to: IsoTimeSchema,
      provider: ProviderNameSchema,
    }),
    progress: z.object({
      requests_done: z.number().int(),
      requests_planned: z.number().int(),
      bars_stored: z.number().int(),
      current: RangeOfSymbol.nullable().openapi({ description: "The request in progress (or waiting for the provider's budget)" }),
    }),
    errors: z.array(RangeOfSymbol.extend({ code: z.string(), message: z.string() })),
    created_at: IsoTimeSchema,
    finished_at: IsoTimeSchema.nullable(),
  })
  .openapi("Backfill");

export const BackfillListSchema = z
  .object({ backfills: z.array(BackfillSchema), next_cursor: z.string().nullable() })
  .openapi("Backfills");
