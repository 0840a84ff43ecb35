/**
 * Yahoo Finance, through the chart API that the yfinance library uses: no key, one symbol per request.
 *
 *   GET {baseUrl}/v8/finance/chart/{symbol}?range=1d&interval=1d
 *   200 {"chart":{"result":[{"meta":{"regularMarketPrice":244.47,"regularMarketTime":1739912400,...},...}],"error":null}}
 *   404 {"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}
 *
 * The quote is `meta.regularMarketPrice` at `meta.regularMarketTime` (UNIX seconds): the current quote at request
 * time, whatever window was asked for; the bars are not used. Yahoo's 429 is plain text, handled by http.ts.
 */
import { z } from "zod";
import { ApiError } from "../errors";
import { malformed, parseJson, symbolNotFound } from "./http";
import { onlySymbol } from "./parse";
import type { Provider, ProviderResponse, QuoteBatchParts } from "./provider";

const NAME = "yfinance";

/** Yahoo's error envelope: `code` is an HTTP reason phrase ("Not Found", "Unprocessable Entity"), not a number. */
const ChartError = z.object({ code: z.string(), description: z.string().nullish() });

const ChartEnvelope = z.object({
  chart: z.object({
    result: z.array(z.unknown()).nullish(),
    error: ChartError.nullish(),
  }),
});

/** The only part of a chart result we read. A price of 0 or none at all is not a usable quote. */
const ChartMeta = z.object({
  meta: z.object({
    regularMarketPrice: z.number().positive(),
    regularMarketTime: z.number().int().positive(),
  }),
});

/** Yahoo's error envelope: 404 "Not Found" means an unknown symbol; anything else is Yahoo failing us. */
export function chartError(status: number, error: z.infer<typeof ChartError>, symbol: string): ApiError {
  if (status === 404 || error.code === "Not Found") return symbolNotFound(NAME, symbol);
  const reason = error.description ? `${error.code}: ${error.description}` : error.code;
  return new ApiError("provider_error", `${NAME} refused the request (HTTP ${status}): ${reason}`, { provider: NAME });
}

export function parseEnvelope(response: ProviderResponse): z.infer<typeof ChartEnvelope> {
  if (response.status === 200) {
    const envelope = ChartEnvelope.safeParse(parseJson(NAME, response.body));
    if (!envelope.success) throw malformed(NAME, "not a chart answer");
    return envelope.data;
  }
  // Not 200: only Yahoo's own JSON envelope says why; anything else (an HTML page, a proxy) is a plain HTTP error.
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    json = undefined;
  }
  const envelope = ChartEnvelope.safeParse(json);
  if (envelope.success && envelope.data.chart.error) return envelope.data;
  throw new ApiError("provider_error", `${NAME} answered HTTP ${response.status}`, { provider: NAME });
}

export const yahoo: Provider = {
  name: NAME,
  // Yahoo rate-limits aggressively and has no published quota: be gentle.
  minInterval: 5,
  batchSize: 1,
  needsKey: false,
  budget: { perMinute: 60 },

  query(symbols, config) {
    // encodeURIComponent: "^GSPC" must travel as "%5EGSPC", "EURUSD=X" as "EURUSD%3DX".
    const symbol = encodeURIComponent(onlySymbol(NAME, symbols));
    return { url: `${config.baseUrl}/v8/finance/chart/${symbol}?range=1d&interval=1d` };
  },

  transform(response, symbols): QuoteBatchParts {
    const symbol = onlySymbol(NAME, symbols);
    const { chart } = parseEnvelope(response);
    if (chart.error) throw chartError(response.status, chart.error, symbol);
    const result = ChartMeta.safeParse(chart.result?.[0]);
    if (!result.success) throw malformed(NAME, "no usable meta.regularMarketPrice / meta.regularMarketTime");
    const { regularMarketPrice, regularMarketTime } = result.data.meta;
    return {
      quotes: new Map([[symbol, { symbol, price: regularMarketPrice, timestamp: regularMarketTime * 1000, provider: NAME }]]),
      failures: new Map(),
    };
  },
};
