import { z } from "@hono/zod-openapi";
import { IsoTimeSchema, ProviderNameSchema, ProviderParamSchema } from "./common";
import { SymbolSchema } from "./symbol";

export const MAX_INTERVAL_SECONDS = 86_400;

export const JobConfigSchema = z
  .object({
    symbols: z.array(z.string()).openapi({ example: ["AAPL", "MSFT"] }),
    interval: z.number().int().openapi({ example: 60, description: "Seconds between polls" }),
    provider: ProviderNameSchema,
  })
  .openapi("JobConfig");

export const CreateJobSchema = z
  .strictObject({
    symbols: z
      .array(SymbolSchema)
      .min(1, "give at least one symbol")
      .max(1000)
      .transform((symbols) => [...new Set(symbols)])
      .openapi({ example: ["AAPL", "MSFT"] }),
    interval: z
      .number()
      .int("interval is whole seconds")
      .min(1)
      .max(MAX_INTERVAL_SECONDS)
      .openapi({ example: 60, description: `Whole seconds, 1..${MAX_INTERVAL_SECONDS}; a provider may need more (see /providers)` }),
    provider: ProviderParamSchema.optional().openapi({ description: "Defaults to DEFAULT_PROVIDER, with FALLBACK_PROVIDERS behind it" }),
  })
  .openapi("CreateJob");

export const JobSchema = z
  .object({
    job_id: z.string().openapi({ example: "5d0c2f0e-8a8b-4f51-9f43-6b0f7f3c2a11" }),
    status: z.enum(["active", "stopped"]),
    config: JobConfigSchema,
    created_at: IsoTimeSchema,
    stopped_at: IsoTimeSchema.nullable(),
    last_run_at: IsoTimeSchema.nullable(),
    runs: z.number().int().openapi({ description: "Provider polls made for this job (one per symbol per round)" }),
    errors: z.number().int().openapi({ description: "Polls that failed" }),
    last_error: z.string().nullable(),
  })
  .openapi("Job");

export const AcceptedJobSchema = z
  .object({ job_id: z.string(), status: z.literal("accepted"), config: JobConfigSchema })
  .openapi("AcceptedJob");
