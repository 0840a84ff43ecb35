/** createSink: EVENT_SINK picks the sink, and a sink whose settings are incomplete refuses to start. */
import { describe, expect, it } from "vitest";
import { createSink } from "../../src/events/sinks";
import { ConfigSchema } from "../../src/env";
import { fixtureServerUrl, requestsMatching, whenRequested } from "../support/scenario";
import { priceUpdated } from "../../src/events/price-events";

const config = (settings: Record<string, string>) => ConfigSchema.parse(settings);

const kafkaRest = { KAFKA_REST_URL: "https://pkc-test.eu-west-1.aws.confluent.cloud:443/kafka", KAFKA_REST_CLUSTER_ID: "lkc-test01" };
const upstash = {
  UPSTASH_KAFKA_REST_URL: "https://test-eu1-rest-kafka.upstash.io",
  UPSTASH_KAFKA_REST_USERNAME: "dGVzdA",
  UPSTASH_KAFKA_REST_PASSWORD: "test-password",
};

describe("createSink", () => {
  it.each([
    [{}, "log"],
    [{ EVENT_SINK: "log" }, "log"],
    [{ EVENT_SINK: "none" }, "none"],
    [{ EVENT_SINK: "upstash", ...upstash }, "upstash"],
    [{ EVENT_SINK: "kafka-rest", ...kafkaRest }, "kafka-rest"],
    [{ EVENT_SINK: "kafka-rest-v2", KAFKA_REST_URL: "http://localhost:8082" }, "kafka-rest-v2"],
  ])("with %j builds the %s sink", (settings, name) => {
    expect(createSink(config(settings)).name).toBe(name);
  });

  it.each([
    [{ EVENT_SINK: "kafka-rest" }, /EVENT_SINK=kafka-rest needs KAFKA_REST_URL, KAFKA_REST_CLUSTER_ID/],
    [{ EVENT_SINK: "kafka-rest", KAFKA_REST_URL: kafkaRest.KAFKA_REST_URL }, /needs KAFKA_REST_CLUSTER_ID to be set/],
    [{ EVENT_SINK: "kafka-rest-v2" }, /EVENT_SINK=kafka-rest-v2 needs KAFKA_REST_URL/],
    [{ EVENT_SINK: "upstash", UPSTASH_KAFKA_REST_URL: upstash.UPSTASH_KAFKA_REST_URL }, /needs UPSTASH_KAFKA_REST_USERNAME, UPSTASH_KAFKA_REST_PASSWORD/],
    [{ EVENT_SINK: "kafka-rest", ...kafkaRest, KAFKA_REST_API_KEY: "key-only" }, /KAFKA_REST_API_KEY is set but KAFKA_REST_API_SECRET is not/],
  ])("with %j fails, naming the missing settings", (settings, message) => {
    expect(() => createSink(config(settings))).toThrow(message);
  });

  it("rejects a KAFKA_REST_URL that is not an http(s) URL without echoing it (it may hold credentials)", () => {
    const settings = { EVENT_SINK: "kafka-rest-v2", KAFKA_REST_URL: "user:s3cret-in-url@broker" };
    expect(() => createSink(config(settings))).toThrow(/KAFKA_REST_URL must be an http\(s\) URL/);
    expect(() => createSink(config(settings))).not.toThrow(/s3cret/);
  });

  it("hands KAFKA_TOPIC and the API key and secret to the sink it builds", async () => {
    const id = crypto.randomUUID();
    await whenRequested({ match: id, method: "POST", responses: [{ json: { offsets: [{ partition: 0, offset: 0 }] } }] });
    const sink = createSink(
      config({
        EVENT_SINK: "kafka-rest-v2",
        KAFKA_TOPIC: "quotes",
        KAFKA_REST_URL: `${fixtureServerUrl()}/${id}`,
        KAFKA_REST_API_KEY: "the-key",
        KAFKA_REST_API_SECRET: "the-secret",
      }),
    );

    await sink.publish([priceUpdated({ symbol: "AAPL", price: 1, timestamp: 0, provider: "synthetic" }, "raw")]);

    const [request] = await requestsMatching(id);
    expect(request?.url).toBe(`/${id}/topics/quotes`);
    expect(request?.headers.authorization).toBe(`Basic ${btoa("the-key:the-secret")}`);
  });
});
