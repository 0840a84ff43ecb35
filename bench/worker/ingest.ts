/**
 * The ingest driver: quotes handed to symbol objects through their RPC `ingest(target, quote, rawRef)`, the
 * way a provider's batch round hands them over (one raw response stored first, then one call per quote).
 */
import type { Env } from "../../src/env";
import type { ProviderName, Quote } from "../../src/providers/provider";
import { database } from "../../src/store/db";
import { storeRawResponse } from "../../src/store/prices";
import { settled } from "../../src/objects/outcome";
import { identifyRaw } from "../../src/store/prices";
import { symbolObject } from "../../src/objects/symbol";
import { countPoints } from "./d1";
import { drivePerSymbol, type Drive } from "./drive";
import { pointPrice, pointTimestamp } from "./points";

export interface IngestRequest {
  provider: ProviderName;
  symbols: string[];
  pointsPerSymbol: number;
  /** Ingest calls in flight per symbol object. */
  concurrency: number;
  /** Quote time of each symbol's first point, epoch ms; the next ones follow one second apart. */
  firstTimestamp: number;
}

export interface IngestResult extends Drive {
  /** Points of these symbols in D1 from firstTimestamp on, counted after the run: each call must add one. */
  storedPoints: number;
}

export async function ingestPoints(env: Env, request: IngestRequest): Promise<IngestResult> {
  const db = database(env.DB);
  const fetchedAt = Date.now();
  const raw = identifyRaw(
    { provider: request.provider, url: "bench://ingest", httpStatus: 200, body: "{}", bodyBytes: 2, bodyTruncated: false, fetchedAt },
    request.symbols,
  );
  await storeRawResponse(db, raw);
  const rawRef = { id: raw.id, fetchedAt };
  const drive = await drivePerSymbol(request.symbols, request.pointsPerSymbol, request.concurrency, async (symbol, index) => {
    const target = { provider: request.provider, symbol };
    const quote: Quote = { symbol, provider: request.provider, price: pointPrice(index), timestamp: pointTimestamp(request.firstTimestamp, index) };
    const outcome = settled(await symbolObject(env, target).ingest(target, quote, rawRef));
    if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
  });
  const storedPoints = await countPoints(env.DB, { provider: request.provider, symbols: request.symbols, since: request.firstTimestamp });
  return { ...drive, storedPoints };
}
