/**
 * The `upstash` sink publishes through the real @upstash/kafka client (../shared/specs/upstash-kafka-rest-facts.md):
 * one `POST {url}/produce` with an array of `{topic, key, value}` per batch. The client's own retries (5, with
 * waits of 0.5..8 s) are turned off: one attempt per publish, the outbox retries.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { UpstashSink } from "../../src/events/upstash";
import { requestsMatching, whenRequested } from "../support/scenario";
import { isolatedBase, sampleEvents, sinkRejection, theOnePost } from "../support/sink-tests";

const USERNAME = "dGVzdC11cHN0YXNoLXVzZXI";
const PASSWORD = "test-upstash-password-5e4d3c";
const TOPIC = "price-events";
const BASIC = `Basic ${btoa(`${USERNAME}:${PASSWORD}`)}`;

/** The produce body of the facts file: an array of messages, values always strings. */
const ProduceBodySchema = z.array(z.strictObject({ topic: z.string(), key: z.string(), value: z.string() }));

const produced = (count: number) =>
  Array.from({ length: count }, (_, offset) => ({ topic: TOPIC, partition: 0, offset, timestamp: 1710948601250 + offset }));

const events = (...symbols: string[]) => sampleEvents("finnhub", 10, ...symbols);

function sink(base: string, timeoutMs?: number) {
  return new UpstashSink({ url: base, username: USERNAME, password: PASSWORD, topic: TOPIC }, { timeoutMs });
}

const rejection = (promise: Promise<unknown>) => sinkRejection(promise, [USERNAME, PASSWORD, BASIC.slice("Basic ".length)]);

describe("upstash sink: the wire format (sent by @upstash/kafka)", () => {
  it("POSTs the batch once to {url}/produce: topic, key = symbol, value = event JSON, in order, Basic auth", async () => {
    const { id, base } = isolatedBase();
    const batch = events("AAPL", "MSFT", "AAPL");
    await whenRequested({ match: id, method: "POST", responses: [{ json: produced(3) }] });

    await sink(`${base}/`).publish(batch);

    const request = await theOnePost(id);
    expect(request.url).toBe(`/${id}/produce`);
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers.authorization).toBe(BASIC);
    const messages = ProduceBodySchema.parse(JSON.parse(request.body));
    expect(messages.map((message) => message.topic)).toEqual([TOPIC, TOPIC, TOPIC]);
    expect(messages.map((message) => message.key)).toEqual(["AAPL", "MSFT", "AAPL"]);
    expect(messages.map((message) => JSON.parse(message.value))).toEqual(batch);
  });
});

describe("upstash sink: failures reject with a SinkError after ONE attempt (no client retries)", () => {
  it("a 401 is not retryable, fails at once, and the message holds no credential", async () => {
    const { id, base } = isolatedBase();
    await whenRequested({ match: id, responses: [{ status: 401, json: { error: "Unauthorized", status: 401 } }] });

    const started = Date.now();
    const error = await rejection(sink(base).publish(events("AAPL")));

    expect(error.retryable).toBe(false);
    expect(error.message).toContain("HTTP 401: Unauthorized");
    expect(await requestsMatching(id)).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(400); // the client's first retry would have slept 500 ms
  });

  it("a 500 and a 429 are retryable, still after one attempt", async () => {
    for (const status of [500, 429]) {
      const { id, base } = isolatedBase();
      await whenRequested({ match: id, responses: [{ status, json: { error: "try again later", status } }] });

      const error = await rejection(sink(base).publish(events("AAPL")));

      expect(error.retryable, `HTTP ${status}`).toBe(true);
      expect(await requestsMatching(id)).toHaveLength(1);
    }
  });

  it("a gateway's non-JSON error page is retryable", async () => {
    const { id, base } = isolatedBase();
    await whenRequested({ match: id, responses: [{ status: 502, body: "<html>Bad Gateway</html>", headers: { "content-type": "text/html" } }] });

    const error = await rejection(sink(base).publish(events("AAPL")));

    expect(error.retryable).toBe(true);
    expect(await requestsMatching(id)).toHaveLength(1);
  });

  it("a broker that does not answer in time is retryable", async () => {
    const { id, base } = isolatedBase();
    await whenRequested({ match: id, responses: [{ hang: true }] });

    const error = await rejection(sink(base, 300).publish(events("AAPL")));

    expect(error.retryable).toBe(true);
    expect(error.message).toContain("within 300 ms");
  });

  it("an answer without one entry per message is retryable (delivery unknown, resending is safe)", async () => {
    const { id, base } = isolatedBase();
    await whenRequested({ match: id, responses: [{ json: produced(1) }] });

    const error = await rejection(sink(base).publish(events("AAPL", "MSFT")));

    expect(error.retryable).toBe(true);
  });
});
