/**
 * Binance spot ticker price: no key, up to 100 symbols per request, a generous weight budget.
 *
 *   GET {baseUrl}/api/v3/ticker/price?symbol=LTCBTC                      -> {"symbol":"LTCBTC","price":"4.00000200"}
 *   GET {baseUrl}/api/v3/ticker/price?symbols=%5B%22A%22%2C%22B%22%5D    -> [{"symbol":"A","price":"…"}, …]
 *   400 {"code":-1121,"msg":"Invalid symbol."}     (and -1100 for a malformed symbol: its documented message; no recording)
 *
 * Quirks: prices are strings; the endpoint carries no timestamp at all; one unknown symbol makes Binance reject
 * the whole request without saying which; 418 means the IP is banned for a while after ignoring 429s.
 * ticker/price says nothing beyond the price: a Binance quote has no details (all null in the API).
 */
import { z } from "zod";
import { ApiError } from "../errors";
import { tryParseJson } from "../wire/json";
import { malformed, malformedSymbol, parseJson, rateLimited, retryAfterSeconds, symbolNotFound } from "./http";
import { PriceString, quotesForSymbols } from "./parse";
import type { Provider, QuoteBatchParts } from "./provider";

const NAME = "binance";
/** Binance's answers to a symbol it cannot quote: -1121 "Invalid symbol." (unknown), -1100 "Illegal characters
 *  found in parameter 'symbols'…" (malformed). Either is about a symbol, never about Binance's health. */
const INVALID_SYMBOL = -1121;
const ILLEGAL_CHARACTERS = -1100;
const SYMBOL_REJECTIONS: ReadonlySet<number> = new Set([INVALID_SYMBOL, ILLEGAL_CHARACTERS]);
/** Symbols per request. */
const BATCH_SIZE = 100;

const Ticker = z.object({ symbol: z.string(), price: PriceString });
/** One symbol asked -> one object; several -> an array. Either is accepted for either request. */
const TickerAnswer = z.union([z.array(Ticker), Ticker.transform((ticker) => [ticker])]);
const ErrorBody = z.object({ code: z.number().int(), msg: z.string() });

/** Binance's error envelope `{"code":-1121,"msg":"Invalid symbol."}`, shared by every endpoint; undefined for any other body. */
export function binanceErrorBody(body: string): z.infer<typeof ErrorBody> | undefined {
  const error = ErrorBody.safeParse(tryParseJson(body));
  return error.success ? error.data : undefined;
}

export const binance: Provider = {
  name: NAME,
  // Binance's own legal range for `symbol` (its -1100 error quotes it): ^[A-Z0-9-_.]{1,20}$. No ^, =, : or /.
  symbols: { pattern: /^[A-Z0-9_.-]{1,20}$/, description: "up to 20 letters, digits and - _ . (e.g. BTCUSDT)" },
  minInterval: 1,
  batchSize: BATCH_SIZE,
  needsKey: false,
  budget: { perMinute: 1200 },

  query(symbols, config) {
    if (symbols.length === 0 || symbols.length > BATCH_SIZE) {
      throw new Error(`${NAME} quotes 1..${BATCH_SIZE} symbols per request, was asked for ${symbols.length}`);
    }
    const [only] = symbols;
    const params =
      symbols.length === 1 && only !== undefined
        ? `symbol=${encodeURIComponent(only)}`
        : `symbols=${encodeURIComponent(JSON.stringify(symbols))}`;
    return { url: `${config.baseUrl}/api/v3/ticker/price?${params}` };
  },

  transform(response, symbols): QuoteBatchParts {
    // 418: banned for continuing after 429s (http.ts maps the 429 itself); Retry-After says for how long.
    if (response.status === 418) throw rateLimited(NAME, retryAfterSeconds(response.headers));
    if (response.status !== 200) return rejected(response.status, response.body, symbols);

    const answer = TickerAnswer.safeParse(parseJson(NAME, response.body));
    if (!answer.success) throw malformed(NAME, "not a ticker price answer");
    const prices = new Map(answer.data.map((ticker) => [ticker.symbol, ticker.price]));
    return quotesForSymbols(
      symbols,
      prices,
      // ticker/price has no quote time: the quote is stamped with the time the answer arrived.
      (symbol, price) => ({ symbol, price, timestamp: response.receivedAt, provider: NAME }),
      // Binance rejects unknown symbols (-1121) rather than leaving them out, so a symbol missing from a
      // successful answer is Binance's anomaly, not proof that the symbol does not exist.
      (symbol) => malformed(NAME, `no price for ${symbol} in the answer`),
    );
  },
};

/**
 * A non-200 answer. -1121 "Invalid symbol." (or -1100, a malformed symbol) for one symbol is that symbol's 404. For a batch, Binance rejects the
 * whole request without naming the culprit, so every symbol of the batch is reported as a symbol_not_found
 * failure that says so (details.batch lists the batch): whoever batches can ask for them one at a time to learn
 * which ones really are unknown.
 */
function rejected(status: number, body: string, symbols: readonly string[]): QuoteBatchParts {
  const error = binanceErrorBody(body);
  if (!error) throw new ApiError("provider_error", `${NAME} answered HTTP ${status}`, { provider: NAME });
  const { code, msg } = error;
  const refusal = `${NAME} refused the request (HTTP ${status}, code ${code}): ${msg}`;
  if (!SYMBOL_REJECTIONS.has(code)) throw new ApiError("provider_error", refusal, { provider: NAME });
  const [only] = symbols;
  if (symbols.length === 1 && only !== undefined) {
    // A malformed symbol keeps Binance's own words, and says it was the symbol at fault, not Binance.
    if (code === ILLEGAL_CHARACTERS) throw malformedSymbol(NAME, only, refusal);
    throw symbolNotFound(NAME, only);
  }
  const batch = [...symbols];
  const message = `${NAME} rejected the batch ${batch.join(", ")}: at least one of these symbols is unknown, and Binance does not say which`;
  return {
    quotes: new Map(),
    failures: new Map(batch.map((symbol) => [symbol, new ApiError("symbol_not_found", message, { provider: NAME, details: { batch } })])),
  };
}
