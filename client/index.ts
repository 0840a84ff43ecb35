/**
 * A typed client for market-data-service: openapi-fetch over the types openapi-typescript generates from the
 * service's own /openapi.json (client/schema.d.ts, kept equal to it by `npm run client:generate -- --check`).
 * Paths, parameters, bodies and answers are checked by the compiler against the published contract; the only
 * runtime code is openapi-fetch's (a few kB around `fetch`).
 *
 *   const api = createMarketDataClient({ baseUrl: "https://market-data.example.workers.dev", apiKey });
 *   const { data, error } = await api.GET("/prices/latest", { params: { query: { symbol: "AAPL" } } });
 *
 * `data` is the 2xx body, `error` the error body (`{ error: { code, message, … }, detail }`), `response` the
 * raw Response for headers (`ETag`, `RateLimit-Remaining`, `X-Request-Id`).
 */
import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { components, paths } from "./schema";

export type { components, paths } from "./schema";

export type MarketDataClient = Client<paths>;

/** The API's named schemas: `Schemas["Price"]`, `Schemas["Job"]`, `Schemas["Error"]`, … */
export type Schemas = components["schemas"];

export interface MarketDataClientOptions extends Omit<ClientOptions, "baseUrl"> {
  /** Where the Worker answers, e.g. `http://localhost:8787` for `npm start`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`; needed for writes (and reads with API_KEYS_READ) while API_KEYS is set. */
  apiKey?: string;
}

export function createMarketDataClient({ apiKey, ...options }: MarketDataClientOptions): MarketDataClient {
  const client = createClient<paths>(options);
  if (apiKey !== undefined) {
    client.use({
      onRequest({ request }) {
        // A caller's own Authorization header (a proxy's credentials, say) is sent unchanged.
        if (!request.headers.has("authorization")) request.headers.set("authorization", `Bearer ${apiKey}`);
        return request;
      },
    });
  }
  return client;
}
