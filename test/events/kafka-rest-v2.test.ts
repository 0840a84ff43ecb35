/**
 * The `kafka-rest-v2` sink speaks the Kafka REST Proxy v2 produce API that Confluent REST Proxy, Redpanda's
 * HTTP Proxy and Karapace share (../shared/specs/redpanda-pandaproxy/rest.json, `POST /topics/{topic_name}`):
 * the whole batch in one request, one offset entry per record in the answer.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { KafkaRestV2Sink } from "../../src/events/kafka-rest-v2";
import { PriceEventSchema } from "../../src/schemas/price-event";
import { requestsMatching, whenRequested } from "../support/scenario";
import { isolatedBase, sampleEvents, sinkRejection, theOnePost } from "../support/sink-tests";

const API_KEY = "TESTKEY4V2ASDFGH";
const API_SECRET = "test-secret-v2/1a2b3c4d5e6f+yy";
const TOPIC = "price-events";
const BASIC = `Basic ${btoa(`${API_KEY}:${API_SECRET}`)}`;

/** The produce body of the spec, JSON embedded format: key and value are JSON values. */
const ProduceBodySchema = z.strictObject({
  records: z.array(z.strictObject({ key: z.string(), value: PriceEventSchema, partition: z.number().int().optional() })),
});

/** What Confluent REST Proxy answers when every record was written. */
const offsets = (count: number) => ({
  offsets: Array.from({ length: count }, (_, offset) => ({ partition: 0, offset, error_code: null, error: null })),
  key_schema_id: null,
  value_schema_id: null,
});

const events = (...symbols: string[]) => sampleEvents("binance", 50, ...symbols);

function sink(base: string, timeoutMs?: number) {
  return new KafkaRestV2Sink({ url: base, topic: TOPIC, apiKey: API_KEY, apiSecret: API_SECRET }, { timeoutMs });
}

const rejection = (promise: Promise<unknown>) => sinkRejection(promise, [API_KEY, API_SECRET, BASIC.slice("Basic ".length)]);

describe("kafka-rest-v2 sink: the wire format", () => {
  it("POSTs the whole batch to /topics/{topic} in the JSON embedded format: key = symbol, value = event, in order", async () => {
    const { id, base } = isolatedBase();
    const batch = events("BTCUSDT", "ETHUSDT", "BTCUSDT");
    await whenRequested({ match: id, method: "POST", responses: [{ json: offsets(3), headers: { "content-type": "application/vnd.kafka.v2+json" } }] });

    await sink(base).publish(batch);

    const request = await theOnePost(id);
    expect(request.url).toBe(`/${id}/topics/${TOPIC}`);
    expect(request.headers["content-type"]).toBe("application/vnd.kafka.json.v2+json");
    expect(request.headers.accept).toBe("application/vnd.kafka.v2+json, application/json");
    expect(request.headers.authorization).toBe(BASIC);
    const body = ProduceBodySchema.parse(JSON.parse(request.body));
    expect(body.records).toEqual(batch.map((event) => ({ key: event.symbol, value: event })));
  });

  it("keeps a path prefix of KAFKA_REST_URL without doubling slashes", async () => {
    const { id, base } = isolatedBase();
    await whenRequested({ match: id, method: "POST", responses: [{ json: offsets(1) }] });

    await sink(`${base}/kafka/`).publish(events("AAPL"));

    const [request] = await requestsMatching(id);
    expect(request?.url).toBe(`/${id}/kafka/topics/${TOPIC}`);
  });

  it("accepts the bare answer Redpanda documents ({offsets:[{partition, offset}]}) and sends no auth without key and secret", async () => {
    const { id, base } = isolatedBase();
    await whenRequested({ match: id, method: "POST", responses: [{ json: { offsets: [{ partition: 2, offset: 41 }, { partition: 2, offset: 42 }] } }] });

    await new KafkaRestV2Sink({ url: base, topic: TOPIC }).publish(events("AAPL", "MSFT"));

    const [request] = await requestsMatching(id);
    expect(request?.headers).not.toHaveProperty("authorization");
  });
});

describe("kafka-rest-v2 sink: failures reject with a SinkError", () => {
  it("an offset entry with an error fails the batch; a retriable Kafka error (code 2) is retryable", async () => {
    const { id, base } = isolatedBase();
    const batch = events("AAPL", "MSFT");
    await whenRequested({
      match: id,
      responses: [{ json: { offsets: [{ partition: 0, offset: 10 }, { partition: null, offset: null, error_code: 2, error: "NOT_LEADER_OR_FOLLOWER" }] } }],
    });

    const error = await rejection(sink(base).publish(batch));

    expect(error.retryable).toBe(true);
    expect(error.message).toContain(`event 2 of 2 (${batch[1]?.event_id})`);
    expect(error.message).toContain("NOT_LEADER_OR_FOLLOWER");
  });

  it("an offset entry rejected for good (code 1, or an HTTP-style 4xx code) is not retryable", async () => {
    for (const rejected of [
      { error_code: 1, error: "RecordTooLargeException" },
      { error_code: 40301, error: "Not authorized to access topics" },
    ]) {
      const { id, base } = isolatedBase();
      await whenRequested({ match: id, responses: [{ json: { offsets: [{ partition: null, offset: null, ...rejected }] } }] });

      const error = await rejection(sink(base).publish(events("AAPL")));

      expect(error.retryable, JSON.stringify(rejected)).toBe(false);
    }
  });

  it("an answer without one offset per record is retryable (delivery unknown, resending is safe)", async () => {
    const { id, base } = isolatedBase();
    await whenRequested({ match: id, responses: [{ json: offsets(1) }] });

    const error = await rejection(sink(base).publish(events("AAPL", "MSFT")));

    expect(error.retryable).toBe(true);
  });

  it("a 500 and a 429 are retryable", async () => {
    for (const status of [500, 429]) {
      const { id, base } = isolatedBase();
      await whenRequested({ match: id, responses: [{ status, json: { error_code: status, message: "try later" } }] });

      const error = await rejection(sink(base).publish(events("AAPL")));

      expect(error.retryable, `HTTP ${status}`).toBe(true);
      expect(error.message).toContain(`HTTP ${status}`);
    }
  });

  it("a 401 is not retryable and the message holds no credential", async () => {
    const { id, base } = isolatedBase();
    await whenRequested({ match: id, responses: [{ status: 401, json: { error_code: 40101, message: "Authentication failed" } }] });

    const error = await rejection(sink(base).publish(events("AAPL")));

    expect(error.retryable).toBe(false);
    expect(error.message).toContain("40101 Authentication failed");
  });

  it("a broker that does not answer in time is retryable", async () => {
    const { id, base } = isolatedBase();
    await whenRequested({ match: id, responses: [{ hang: true }] });

    const error = await rejection(sink(base, 300).publish(events("AAPL")));

    expect(error.retryable).toBe(true);
    expect(error.message).toContain("within 300 ms");
  });
});
