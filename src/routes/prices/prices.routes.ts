import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, ProviderParamSchema, QueryTimeSchema, wholeNumber } from "../../schemas/common";
import { cursorParam } from "../../schemas/cursor";
import { HistorySchema, PriceSchema } from "../../schemas/price";
import { SymbolSchema } from "../../schemas/symbol";

export const DEFAULT_MAX_AGE_SECONDS = 60;

/** Response headers of cacheable price answers (src/http/conditional.ts). */
export const CACHE_HEADERS = z.object({
  ETag: z.string().openapi({ description: "Tag of this answer; send it back as If-None-Match to get 304 while it holds" }),
  "Cache-Control": z.string().openapi({ description: "max-age = seconds this answer keeps the freshness max_age asked for (private for keyed requests)" }),
});
export const DEFAULT_HISTORY_PAGE = 100;
/** A history cursor: the quote time (epoch ms) of the page's last point; unique per symbol and provider. */
export const HistoryCursorSchema = z.tuple([z.number().int()]);

export const latestRoute = createRoute({
  method: "get",
  path: "/prices/latest",
  tags: ["prices"],
  summary: "Latest price of a symbol",
  description:
    "Served from the stored latest price when it was confirmed by the provider less than `max_age` seconds ago; otherwise fetched from the provider, stored and published. Without `provider`, DEFAULT_PROVIDER answers (and FALLBACK_PROVIDERS when it fails); `provider` in the answer says who did. While API_KEYS is set, a client without a key is served the stored latest whatever its age and never causes a provider request (401 when nothing is stored).",
  request: {
    query: z.object({
      symbol: SymbolSchema,
      provider: ProviderParamSchema.optional(),
      max_age: wholeNumber(0, 86_400)
        .optional()
        .openapi({ type: "string", example: "60", description: "Seconds; default 60" }),
    }),
    headers: z.object({
      "if-none-match": z.string().max(1000).optional().openapi({ description: "An ETag of an earlier answer: 304 while it still holds" }),
    }),
  },
  responses: {
    200: { description: "The latest price", headers: CACHE_HEADERS, content: { "application/json": { schema: PriceSchema } } },
    304: { description: "Not modified: the client's If-None-Match names this answer's ETag", headers: CACHE_HEADERS },
    ...errorResponses(401, 404, 422, 502, 503),
  },
});

export const pollSymbolRoute = createRoute({
  method: "post",
  path: "/poll/{symbol}",
  tags: ["prices"],
  summary: "Poll a symbol now",
  description: "Asks the provider now, stores the quote (once per quote time) and publishes it if new.",
  request: {
    params: z.object({ symbol: SymbolSchema.openapi({ param: { name: "symbol", in: "path" } }) }),
    query: z.object({ provider: ProviderParamSchema.optional() }),
  },
  responses: {
    200: { description: "The price just polled", content: { "application/json": { schema: PriceSchema } } },
    ...errorResponses(401, 404, 422, 502, 503),
  },
});

export const historyRoute = createRoute({
  method: "get",
  path: "/prices/history",
  tags: ["prices"],
  summary: "Stored price points of a symbol, newest first, a page at a time",
  description:
    "Points newest first, `limit` a page, within `from` ≤ timestamp ≤ `to` when given. Walk the whole history by passing each answer's `next_cursor` back as `cursor` (with the same other parameters) until it is null: points stored during the walk cause no repeats and no gaps.",
  request: {
    query: z.object({
      symbol: SymbolSchema,
      provider: ProviderParamSchema.optional(),
      from: QueryTimeSchema.optional(),
      to: QueryTimeSchema.optional(),
      limit: wholeNumber(1, 1000).optional().openapi({ type: "string", example: "100", description: "1..1000, default 100" }),
      cursor: cursorParam(HistoryCursorSchema).optional(),
    }),
  },
  responses: {
    200: { description: "Stored points", content: { "application/json": { schema: HistorySchema } } },
    ...errorResponses(422),
  },
});

export const MAX_SNAPSHOT_SYMBOLS = 100;

/** `AAPL,msft` → ["AAPL", "MSFT"]: valid symbols, no duplicates, 1..MAX_SNAPSHOT_SYMBOLS. */
const SnapshotSymbolsSchema = z
  .string()
  .max(MAX_SNAPSHOT_SYMBOLS * 25 + 100, "too many symbols")
  .transform((value) => value.split(","))
  .pipe(z.array(SymbolSchema))
  .transform((symbols) => [...new Set(symbols)])
  .pipe(z.array(z.string()).min(1).max(MAX_SNAPSHOT_SYMBOLS, `a snapshot holds at most ${MAX_SNAPSHOT_SYMBOLS} symbols`))
  .openapi({ type: "string", example: "AAPL,MSFT", description: `Comma-separated symbols, 1..${MAX_SNAPSHOT_SYMBOLS}` });

export const SnapshotSchema = z
  .object({
    prices: z.array(PriceSchema).openapi({ description: "One price per symbol that has one, in the order asked" }),
    errors: z
      .array(z.object({ symbol: z.string(), error: z.object({ code: z.string(), message: z.string() }) }).openapi("SnapshotError"))
      .openapi({ description: "Symbols without a price, each with why (e.g. symbol_not_found); never a failure of the whole call" }),
  })
  .openapi("Snapshot");

export const snapshotRoute = createRoute({
  method: "get",
  path: "/prices/snapshot",
  tags: ["prices"],
  summary: "Latest prices of many symbols in one call",
  description:
    "Each symbol's latest, as `latest` answers it: fresh ones (younger than `max_age`) from the store, the rest from the provider, in ⌈N / batch size⌉ requests for a batch provider (one per symbol otherwise). A symbol that fails is listed in `errors` beside the prices. No failover: the named provider, else DEFAULT_PROVIDER, answers. While API_KEYS is set, a client without a key gets stored prices only.",
  request: {
    query: z.object({
      symbols: SnapshotSymbolsSchema,
      provider: ProviderParamSchema.optional(),
      max_age: wholeNumber(0, 86_400).optional().openapi({ type: "string", example: "60", description: "Seconds; default 60" }),
    }),
    headers: z.object({ "if-none-match": z.string().max(1000).optional().openapi({ description: "An ETag of an earlier answer: 304 while it still holds" }) }),
  },
  responses: {
    200: { description: "Prices and per-symbol errors", headers: CACHE_HEADERS, content: { "application/json": { schema: SnapshotSchema } } },
    304: { description: "Not modified", headers: CACHE_HEADERS },
    ...errorResponses(422),
  },
});
