import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { NO_QUOTE_DETAILS, uniqueSymbol } from "../support/api";
import { deliveredEvents, sinkRequests } from "../support/events";
import { eventually, startJob, stopJob } from "../support/jobs";

// Runs once per sink (vitest.config.ts projects): kafka-rest-v2, kafka-rest (v3, under a /kafka prefix), upstash.
interface StoredPoint {
  ts: number;
  price: number;
  raw_response_id: string;
}

describe(`price events through EVENT_SINK=${String(env.EVENT_SINK)}`, () => {
  it("delivers one event per new price point, keyed by symbol, with every field of API.md", async () => {
    const symbol = uniqueSymbol("K");
    const id = await startJob({ symbols: [symbol], interval: 1, provider: "synthetic" });
    await eventually(async () => {
      const count = await env.DB.prepare("SELECT count(*) AS n FROM price_points WHERE symbol = ?").bind(symbol).first<{ n: number }>();
      expect(count!.n).toBeGreaterThanOrEqual(3);
    });
    await stopJob(id);

    const points = await eventually(async () => {
      const stored = (await env.DB.prepare("SELECT ts, price, raw_response_id FROM price_points WHERE symbol = ? ORDER BY ts").bind(symbol).all<StoredPoint>()).results;
      const ids = new Set((await deliveredEvents(symbol)).map((event) => event.value.event_id));
      expect(ids.size).toBe(stored.length);
      return stored;
    });

    const events = await deliveredEvents(symbol);
    expect(events.map((event) => event.value.timestamp)).toEqual(points.map((point) => new Date(point.ts).toISOString()));
    events.forEach((event, index) => {
      expect(event.key).toBe(symbol);
      expect(event.value).toEqual({
        event_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        type: "price.updated",
        version: 1,
        symbol,
        price: points[index]!.price,
        timestamp: new Date(points[index]!.ts).toISOString(),
        provider: "synthetic",
        raw_response_id: points[index]!.raw_response_id,
        emitted_at: expect.stringMatching(/Z$/),
        ...NO_QUOTE_DETAILS, // wave 2's full-quote fields are additive: the synthetic provider says none of them
      });
    });
  });

  it("sends the sink's wire format with its credentials", async () => {
    const [request] = await sinkRequests();
    expect(request).toBeDefined();
    const sink = String(env.EVENT_SINK);
    if (sink === "kafka-rest-v2") {
      expect(request!.url).toBe("/kafka-v2/topics/price-events");
      expect(request!.headers["content-type"]).toBe("application/vnd.kafka.json.v2+json");
    } else if (sink === "kafka-rest") {
      expect(request!.url).toBe("/kafka-v3/kafka/v3/clusters/lkc-test/topics/price-events/records");
      expect(request!.headers.authorization).toBe(`Basic ${btoa("test-kafka-key:test-kafka-secret")}`);
    } else {
      expect(request!.url).toBe("/upstash/produce");
      expect(request!.headers.authorization).toBe(`Basic ${btoa("test-upstash-user:test-upstash-password")}`);
    }
  });
});
