/**
 * Pieces of the product's hot paths, run on their own so the bench can say what each one costs:
 * the D1 batch of one ingest (storePoints) and the Durable Object call behind a fresh latest price.
 */
import type { Env } from "../../src/env";
import { NoneSink } from "../../src/events/none";
import { deliverOutbox } from "../../src/events/outbox";
import { priceUpdated } from "../../src/events/price-events";
import type { LatestQuote, ProviderName, Quote } from "../../src/providers/provider";
import { database } from "../../src/store/db";
import { storePoints, type PointWithEvent } from "../../src/store/prices";
import { settled, unwrap } from "../../src/objects/outcome";
import { symbolObject } from "../../src/objects/symbol";
import { drivePerSymbol, type Drive } from "./drive";
import { pointPrice, pointTimestamp } from "./points";

export interface StorePointsRequest {
  provider: ProviderName;
  symbols: string[];
  /** storePoints calls per symbol. */
  callsPerSymbol: number;
  /** Points written by each call: 1 is what one ingest writes today; more is a group commit. */
  pointsPerCall: number;
  concurrency: number;
  firstTimestamp: number;
}

function pointWithEvent(provider: ProviderName, symbol: string, index: number, firstTimestamp: number): PointWithEvent {
  const quote: Quote = { symbol, provider, price: pointPrice(index), timestamp: pointTimestamp(firstTimestamp, index) };
  const event = priceUpdated(quote, "bench-store");
  return { quote, rawResponseId: "bench-store", eventId: event.event_id, eventPayload: JSON.stringify(event) };
}

/** storePoints straight from the Worker: point insert (deduped) + outbox insert-if-new, one D1 batch per call. */
export async function storePointsDirectly(env: Env, request: StorePointsRequest): Promise<Drive & { points: number }> {
  const db = database(env.DB);
  const { provider, pointsPerCall, firstTimestamp } = request;
  const drive = await drivePerSymbol(request.symbols, request.callsPerSymbol, request.concurrency, async (symbol, call) => {
    const points = Array.from({ length: pointsPerCall }, (_, offset) => pointWithEvent(provider, symbol, call * pointsPerCall + offset, firstTimestamp));
    const written = await storePoints(db, points);
    if (written.size !== pointsPerCall) throw new Error(`storePoints wrote ${written.size} of ${pointsPerCall} points`);
  });
  return { ...drive, points: drive.operations * pointsPerCall };
}

export interface DeliveryRequest {
  provider: ProviderName;
  symbol: string;
  points: number;
  firstTimestamp: number;
}

/**
 * The outbox delivery an object's alarm runs after each point when points arrive one at a time: store one point
 * (not timed), then deliverOutbox to the none sink (timed: select the pending rows, parse, delete them).
 */
export async function deliverOneByOne(env: Env, request: DeliveryRequest): Promise<Drive> {
  const db = database(env.DB);
  const sink = new NoneSink();
  const target = { provider: request.provider, symbol: request.symbol };
  const drive: Drive = { operations: 0, failures: 0, elapsedMs: 0 };
  for (let index = 0; index < request.points; index++) {
    await storePoints(db, [pointWithEvent(request.provider, request.symbol, index, request.firstTimestamp)]);
    const startedAt = performance.now();
    const delivered = await deliverOutbox(db, sink, target);
    drive.elapsedMs += performance.now() - startedAt;
    drive.operations += 1;
    if (delivered.delivered !== 1) {
      drive.failures += 1;
      drive.firstError ??= `delivered ${delivered.delivered} events, expected 1`;
    }
  }
  return drive;
}

/** The symbol object's answer to a fresh /prices/latest, without the product's routing, middleware or validation. */
export async function latestFromObject(env: Env, provider: ProviderName, symbol: string): Promise<LatestQuote> {
  const target = { provider, symbol };
  return unwrap(settled(await symbolObject(env, target).latest(target, 86_400)));
}
