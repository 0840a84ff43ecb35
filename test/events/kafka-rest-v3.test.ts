/**
 * The `kafka-rest` sink speaks Kafka REST Proxy API v3 (Confluent Platform, Confluent Cloud). These tests check
 * what actually reaches the wire against the spec (../shared/specs/confluent-kafka-rest-v3-openapi.yaml,
 * operation produceRecord) and how every kind of failure surfaces.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { KafkaRestV3Sink } from "../../src/events/kafka-rest-v3";
import { splitConcatenatedJson } from "../../src/events/sink";
import type { PriceEvent } from "../../src/schemas/price-event";
import { requestsMatching, whenRequested } from "../support/scenario";
import { isolatedBase, sampleEvents, sinkRejection, theOnePost } from "../support/sink-tests";

const API_KEY = "TESTKEY4V3QWERTY";
const API_SECRET = "test-secret-v3/9f8e7d6c5b4a+zz";
const CLUSTER = "lkc-test01";
const TOPIC = "price-events";
const BASIC = `Basic ${btoa(`${API_KEY}:${API_SECRET}`)}`;

// --- The spec's ProduceRequest (components.schemas.ProduceRequest / ProduceRequestData / ProduceRequestHeader).
// Strict objects: the real proxy (Jackson) rejects unknown fields with a 400.
const ProduceRequestDataSchema = z
  .strictObject({
    type: z.enum(["BINARY", "JSON", "STRING", "AVRO", "JSONSCHEMA", "PROTOBUF"]).optional(),
    subject: z.string().nullish(),
    subject_name_strategy: z.enum(["TOPIC_NAME", "RECORD_NAME", "TOPIC_RECORD_NAME"]).nullish(),
    schema_id: z.number().int().nullish(),
    schema_version: z.number().int().nullish(),
    schema: z.string().nullish(),
    data: z.unknown(),
  })
  .nullable();
const ProduceRequestSchema = z.strictObject({
  partition_id: z.number().int().nullish(),
  headers: z.array(z.strictObject({ name: z.string(), value: z.base64().nullish() })).optional(),
  key: ProduceRequestDataSchema.optional(),
  value: ProduceRequestDataSchema.optional(),
  timestamp: z.iso.datetime().nullish(),
});

/** A spec-conforming success delivery report (components.schemas.ProduceResponse). */
function deliveryReport(event: PriceEvent, offset: number) {
  return {
    error_code: 200,
    cluster_id: CLUSTER,
    topic_name: TOPIC,
    partition_id: 0,
    offset,
    timestamp: "2024-03-20T15:30:01.250Z",
    key: { type: "STRING", size: event.symbol.length },
    value: { type: "JSON", size: JSON.stringify(event).length },
  };
}

const events = (...symbols: string[]) => sampleEvents("yfinance", 100, ...symbols);

/** A streamed answer: one report per record, concatenated (the spec's streaming mode of produceRecord). */
const streamed = (...reports: unknown[]) => ({ body: reports.map((report) => JSON.stringify(report)).join("\n") });

const recordsPath = (id: string, prefix = "") => `/${id}${prefix}/v3/clusters/${CLUSTER}/topics/${TOPIC}/records`;

function sink(base: string, timeoutMs?: number) {
  return new KafkaRestV3Sink({ url: base, clusterId: CLUSTER, topic: TOPIC, apiKey: API_KEY, apiSecret: API_SECRET }, { timeoutMs });
}

const rejection = (promise: Promise<unknown>) => sinkRejection(promise, [API_KEY, API_SECRET, BASIC.slice("Basic ".length)]);

describe("kafka-rest (v3) sink: the wire format", () => {
  it("POSTs the whole batch in one request of concatenated spec-conforming records, in order: key = STRING symbol, value = JSON event, Basic auth", async () => {
    const { id, base } = isolatedBase();
    const batch = events("AAPL", "MSFT", "AAPL");
    await whenRequested({ match: id, method: "POST", responses: [streamed(...batch.map((event, i) => deliveryReport(event, i)))] });

    await sink(base).publish(batch);

    const request = await theOnePost(id);
    expect(request.url).toBe(recordsPath(id));
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers.authorization).toBe(BASIC);
    const records = splitConcatenatedJson(request.body).map((record) => ProduceRequestSchema.parse(record));
    expect(records).toHaveLength(3);
    records.forEach((record, i) => {
      expect(record.key).toEqual({ type: "STRING", data: batch[i]?.symbol });
      expect(record.value).toEqual({ type: "JSON", data: batch[i] });
    });
  });

  it("sends 100 records in one request: a backlog costs one subrequest per batch", async () => {
    const { id, base } = isolatedBase();
    const batch = Array.from({ length: 100 }, (_, i) => events(`S${i}`)[0]!);
    await whenRequested({ match: id, method: "POST", responses: [streamed(...batch.map((event, i) => deliveryReport(event, i)))] });

    await sink(base).publish(batch);

    expect(await requestsMatching(id)).toHaveLength(1);
  });

  it("keeps a path prefix of KAFKA_REST_URL, such as Confluent Cloud's /kafka, without doubling slashes", async () => {
    const { id, base } = isolatedBase();
    const [event] = events("BTC-USD");
    await whenRequested({ match: id, method: "POST", responses: [{ json: deliveryReport(event!, 7) }] });

    await sink(`${base}/kafka/`).publish([event!]);

    const [request] = await requestsMatching(id);
    expect(request?.url).toBe(recordsPath(id, "/kafka"));
  });

  it("sends no Authorization header when no API key and secret are configured (a self-hosted proxy)", async () => {
    const { id, base } = isolatedBase();
    const [event] = events("AAPL");
    await whenRequested({ match: id, method: "POST", responses: [{ json: deliveryReport(event!, 0) }] });

    await new KafkaRestV3Sink({ url: base, clusterId: CLUSTER, topic: TOPIC }).publish([event!]);

    const [request] = await requestsMatching(id);
    expect(request?.headers).not.toHaveProperty("authorization");
  });

  it("sends nothing for an empty batch", async () => {
    const { id, base } = isolatedBase();
    await sink(base).publish([]);
    expect(await requestsMatching(id)).toHaveLength(0);
  });
});

describe("kafka-rest (v3) sink: failures reject with a SinkError", () => {
  it("a 5xx is retryable, and nothing of the batch counts as acknowledged", async () => {
    const { id, base } = isolatedBase();
    await whenRequested({ match: id, responses: [{ status: 500, json: { error_code: 500, message: "Internal Server Error" } }] });

    const error = await rejection(sink(base).publish(events("AAPL", "MSFT", "TSLA")));

    expect(error.retryable).toBe(true);
    expect(error.message).toContain("HTTP 500");
    expect(error.acknowledged).toBe(0);
    expect(await requestsMatching(id)).toHaveLength(1);
  });

  it("a 429 (an HTML page, as the spec shows) is retryable and carries the Retry-After", async () => {
    const { id, base } = isolatedBase();
    await whenRequested({
      match: id,
      responses: [{ status: 429, body: "<html><h2>HTTP ERROR 429 Too Many Requests</h2></html>", headers: { "content-type": "text/html", "retry-after": "7" } }],
    });

    const error = await rejection(sink(base).publish(events("AAPL")));

    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(7000);
  });

  it("a 401 is not retryable, and the broker's error is in the message but no credential is", async () => {
    const { id, base } = isolatedBase();
    await whenRequested({ match: id, responses: [{ status: 401, json: { error_code: 40101, message: "Authentication failed" } }] });

    const error = await rejection(sink(base).publish(events("AAPL")));

    expect(error.retryable).toBe(false);
    expect(error.message).toContain("HTTP 401");
    expect(error.message).toContain("40101 Authentication failed");
  });

  it("a 404 (unknown topic) is not retryable", async () => {
    const { id, base } = isolatedBase();
    await whenRequested({ match: id, responses: [{ status: 404, json: { error_code: 40403, message: "This server does not host this topic-partition." } }] });

    const error = await rejection(sink(base).publish(events("AAPL")));

    expect(error.retryable).toBe(false);
  });

  it("a broker that does not answer in time is retryable", async () => {
    const { id, base } = isolatedBase();
    await whenRequested({ match: id, responses: [{ hang: true }] });

    const started = Date.now();
    const error = await rejection(sink(base, 300).publish(events("AAPL")));

    expect(error.retryable).toBe(true);
    expect(error.message).toContain("within 300 ms");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("an HTTP 200 whose delivery report has another error_code is a failure of that record; the ones before it count as acknowledged", async () => {
    const { id, base } = isolatedBase();
    const batch = events("AAPL", "MSFT", "TSLA");
    await whenRequested({
      match: id,
      responses: [streamed(deliveryReport(batch[0]!, 0), { error_code: 400, message: "Bad Request: data=1 is not a base64 string." }, deliveryReport(batch[2]!, 1))],
    });

    const error = await rejection(sink(base).publish(batch));

    expect(error.retryable).toBe(false);
    expect(error.message).toContain(`event 2 of 3 (${batch[1]?.event_id})`);
    expect(error.message).toContain("error_code 400");
    expect(error.acknowledged).toBe(1);
    expect(await requestsMatching(id)).toHaveLength(1);
  });

  it("fewer delivery reports than records (the stream broke off) is retryable, from the first record without one", async () => {
    const { id, base } = isolatedBase();
    const batch = events("AAPL", "MSFT", "TSLA");
    await whenRequested({ match: id, responses: [streamed(deliveryReport(batch[0]!, 0), deliveryReport(batch[1]!, 1))] });

    const error = await rejection(sink(base).publish(batch));

    expect(error.retryable).toBe(true);
    expect(error.acknowledged).toBe(2);
    expect(error.message).toContain("event 3 of 3");
  });

  it("a delivery report with a retriable Kafka error (50003) is retryable", async () => {
    const { id, base } = isolatedBase();
    await whenRequested({ match: id, responses: [{ json: { error_code: 50003, message: "NOT_ENOUGH_REPLICAS" } }] });

    const error = await rejection(sink(base).publish(events("AAPL")));

    expect(error.retryable).toBe(true);
  });

  it("an HTTP 200 without a delivery report is retryable (delivery unknown, resending is safe)", async () => {
    const { id, base } = isolatedBase();
    await whenRequested({ match: id, responses: [{ body: "OK" }] });

    const error = await rejection(sink(base).publish(events("AAPL")));

    expect(error.retryable).toBe(true);
  });
});
