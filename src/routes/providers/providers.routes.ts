import { createRoute, z } from "@hono/zod-openapi";
import { ProviderNameSchema } from "../../schemas/common";

export const ProviderSchema = z
  .object({
    name: ProviderNameSchema,
    configured: z.boolean().openapi({ description: "false when the provider needs an API key that is not set" }),
    min_interval: z.number().int().openapi({ description: "Smallest polling interval in seconds" }),
    batch: z.boolean().openapi({ description: "Quotes many symbols in one request" }),
    batch_size: z.number().int(),
    needs_key: z.boolean(),
    default: z.boolean().openapi({ description: "This is DEFAULT_PROVIDER" }),
  })
  .openapi("Provider");

export const providersRoute = createRoute({
  method: "get",
  path: "/providers",
  tags: ["service"],
  summary: "The providers this deployment knows, and whether each is configured",
  responses: {
    200: {
      description: "Providers",
      content: { "application/json": { schema: z.object({ providers: z.array(ProviderSchema) }).openapi("Providers") } },
    },
  },
});
