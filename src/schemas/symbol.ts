import { z } from "@hono/zod-openapi";

/** API.md: symbols are upper-cased on input, then must match this pattern. */
export const SYMBOL_PATTERN = /^[A-Z0-9^][A-Z0-9.\-=^/:_]{0,23}$/;

export const SymbolSchema = z
  .string()
  .max(100, "symbol is too long")
  .transform((value) => value.trim().toUpperCase())
  .pipe(z.string().regex(SYMBOL_PATTERN, `symbol must match ${SYMBOL_PATTERN.source} after upper-casing`))
  .openapi({ type: "string", example: "AAPL", description: "Ticker, upper-cased on input: AAPL, BRK.B, BRK-B, BTC-USD, EURUSD=X, ^GSPC, BINANCE:BTCUSDT, OANDA:EUR_USD. A provider may accept fewer (see /providers)" });
