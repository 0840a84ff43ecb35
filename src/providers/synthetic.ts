/**
 * A provider that needs no network: deterministic prices for any symbol, for local use, demos and tests.
 *
 *   query:  synthetic://local/quote?symbols=AAPL,MSFT
 *   answer: 200 {"timestamp":1739912400000,"quotes":[{"symbol":"AAPL","price":181.4532},…]}
 *
 * The answer is produced by `answerOffline` as a JSON body, so it is stored and traced like any provider's, and
 * `transform` parses it with zod like any provider's. A price is a pure function of (symbol, whole second): asking
 * twice within a second gives the same quote, so polling yields at most one new point per second.
 */
import { z } from "zod";
import { malformed, parseJson } from "./http";
import { quotesForSymbols } from "./parse";
import type { Provider, QuoteBatchParts } from "./provider";

const NAME = "synthetic";
const DAY_SECONDS = 86_400;
/** How much the log price moves over a day, typically: a lively stock. */
const DAILY_VOLATILITY = 0.03;
/** Periods of the noise octaves in seconds, 5 s to ~60 days, each four times the last. */
const OCTAVE_PERIODS = [5, 20, 80, 320, 1_280, 5_120, 20_480, 81_920, 327_680, 1_310_720, 5_242_880];

/** FNV-1a: a 32-bit hash of the symbol, its seed. */
function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A 32-bit hash of two integers (murmur3's finalizer over a golden-ratio mix). */
function hashPair(a: number, b: number): number {
  let hash = (a ^ Math.imul(b | 0, 0x9e3779b1)) >>> 0;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

/** [0, 1) from a 32-bit hash. */
const unit = (hash: number): number => hash / 2 ** 32;

/** Value noise: a random value in [-1, 1] at every multiple of `period`, eased smoothly in between. */
function smoothNoise(seed: number, second: number, period: number): number {
  const position = second / period;
  const cell = Math.floor(position);
  const fraction = position - cell;
  const eased = fraction * fraction * (3 - 2 * fraction);
  const from = unit(hashPair(seed, cell)) * 2 - 1;
  const to = unit(hashPair(seed, cell + 1)) * 2 - 1;
  return from + (to - from) * eased;
}

/**
 * The price of `symbol` at `second` (UNIX seconds): a base price between 10 and 1000 (log-uniform, from the
 * symbol's hash) times exp(a sum of noise octaves). Each octave's amplitude grows with the square root of its
 * period, as a random walk's spread does, so the curve looks like a walk at every zoom; exp keeps it positive.
 */
export function syntheticPrice(symbol: string, second: number): number {
  const seed = hashText(symbol);
  const base = 10 * 100 ** unit(hashPair(seed, 0));
  let logReturn = 0;
  OCTAVE_PERIODS.forEach((period, octave) => {
    const amplitude = DAILY_VOLATILITY * Math.sqrt(period / DAY_SECONDS);
    logReturn += amplitude * smoothNoise(hashPair(seed, octave + 1), second, period);
  });
  return Math.round(base * Math.exp(logReturn) * 10_000) / 10_000;
}

const Answer = z.object({
  timestamp: z.number().int().nonnegative(),
  quotes: z.array(z.object({ symbol: z.string(), price: z.number().positive() })),
});

export const synthetic: Provider = {
  name: NAME,
  symbols: { pattern: /^/, description: "any symbol" },
  minInterval: 1,
  batchSize: 500,
  needsKey: false,
  budget: {},

  query(symbols, config) {
    return { url: `${config.baseUrl}/quote?symbols=${symbols.map(encodeURIComponent).join(",")}` };
  },

  answerOffline(request, now) {
    const symbols = (new URL(request.url).searchParams.get("symbols") ?? "").split(",").filter(Boolean);
    const second = Math.floor(now / 1000);
    const body = JSON.stringify({
      timestamp: second * 1000,
      quotes: symbols.map((symbol) => ({ symbol, price: syntheticPrice(symbol, second) })),
    });
    return { status: 200, body, headers: new Headers({ "content-type": "application/json" }), receivedAt: now };
  },

  transform(response, symbols): QuoteBatchParts {
    const answer = Answer.safeParse(parseJson(NAME, response.body));
    if (!answer.success) throw malformed(NAME, "not a synthetic quote answer");
    const prices = new Map(answer.data.quotes.map((quote) => [quote.symbol, quote.price]));
    return quotesForSymbols(
      symbols,
      prices,
      (symbol, price) => ({ symbol, price, timestamp: answer.data.timestamp, provider: NAME }),
      (symbol) => malformed(NAME, `no price for ${symbol} in the answer`),
    );
  },
};
