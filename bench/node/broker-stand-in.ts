/**
 * The event sink's stand-in: a local HTTP server speaking the Kafka REST produce APIs the service's sinks use,
 * recording every record it acknowledges (event_id, symbol, quote time, arrival order), so the sustained case
 * can check exactly-once by event_id and per-symbol order instead of assuming them. A healthy broker: every
 * record is acknowledged at once.
 *
 * - v2 (Confluent REST Proxy, Redpanda, Karapace): `POST /topics/{topic}` `{"records":[{"key","value"}]}` →
 *   `{"offsets":[{"partition":0,"offset":n}]}`, one entry per record, in order.
 * - v3: `POST /v3/clusters/{cluster}/topics/{topic}/records` one `{"key":{"type","data"},"value":{"type","data"}}`
 *   → a ProduceResponse with `error_code` 200; and `…/records:batch` `{"entries":[{"id",key,value}]}` →
 *   `{"successes":[{"id",…}],"failures":[]}` (shared/specs/confluent-kafka-rest-v3-openapi.yaml).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface BrokerRecord {
  eventId: string;
  symbol: string;
  /** The event's quote time and emitted_at, epoch ms. */
  timestamp: number;
  emittedAt: number;
  receivedAt: number;
  /** Arrival order across the whole broker (the order within one request is the request's). */
  seq: number;
}

interface EventValue {
  event_id?: unknown;
  symbol?: unknown;
  timestamp?: unknown;
  emitted_at?: unknown;
}

const TOPIC = "price-events";
const CLUSTER = "bench-cluster";

export class BrokerStandIn {
  readonly records: BrokerRecord[] = [];
  requests = 0;
  rejected = 0;
  /** Longest time from a request's arrival to its answer, ms: the stand-in itself is never the slow part. */
  slowestAnswerMs = 0;
  private offset = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<BrokerStandIn> {
    const server = createServer();
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const broker = new BrokerStandIn(server, `http://127.0.0.1:${port}`);
    server.on("request", (request: IncomingMessage, response: ServerResponse) => void broker.handle(request, response));
    return broker;
  }

  /** Settings that point the service's sink here (EVENT_SINK=kafka-rest-v2: the whole outbox batch per request). */
  sinkVars(sink: "kafka-rest" | "kafka-rest-v2" = "kafka-rest-v2"): Record<string, string> {
    return { EVENT_SINK: sink, KAFKA_REST_URL: this.url, KAFKA_REST_CLUSTER_ID: CLUSTER, KAFKA_TOPIC: TOPIC };
  }

  /** Counters to diff around a case. */
  stats(): { requests: number; rejected: number; slowestAnswerMs: number } {
    return { requests: this.requests, rejected: this.rejected, slowestAnswerMs: this.slowestAnswerMs };
  }

  resetSlowest(): void {
    this.slowestAnswerMs = 0;
  }

  /** Records of these symbols, in arrival order. */
  recordsOf(symbols: ReadonlySet<string>): BrokerRecord[] {
    return this.records.filter((record) => symbols.has(record.symbol));
  }

  private record(value: unknown, receivedAt: number): boolean {
    const event = (typeof value === "object" && value !== null ? value : {}) as EventValue;
    if (typeof event.event_id !== "string" || typeof event.symbol !== "string") return false;
    this.records.push({
      eventId: event.event_id,
      symbol: event.symbol,
      timestamp: typeof event.timestamp === "string" ? Date.parse(event.timestamp) : Number.NaN,
      emittedAt: typeof event.emitted_at === "string" ? Date.parse(event.emitted_at) : Number.NaN,
      receivedAt,
      seq: this.records.length,
    });
    return true;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const arrivedAt = performance.now();
    response.once("finish", () => (this.slowestAnswerMs = Math.max(this.slowestAnswerMs, performance.now() - arrivedAt)));
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const receivedAt = Date.now();
    this.requests += 1;
    const path = (request.url ?? "").split("?")[0] ?? "";
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return this.answer(response, 400, { error_code: 400, message: "body is not JSON" });
    }
    if (request.method === "POST" && path === `/topics/${TOPIC}`) return this.produceV2(body, receivedAt, response);
    if (request.method === "POST" && path === `/v3/clusters/${CLUSTER}/topics/${TOPIC}/records`) return this.produceV3(body, receivedAt, response);
    if (request.method === "POST" && path === `/v3/clusters/${CLUSTER}/topics/${TOPIC}/records:batch`) return this.produceV3Batch(body, receivedAt, response);
    this.rejected += 1;
    return this.answer(response, 404, { error_code: 404, message: `no such endpoint: ${request.method ?? ""} ${path}` });
  }

  private produceV2(body: unknown, receivedAt: number, response: ServerResponse): void {
    const records = (body as { records?: { value?: unknown }[] }).records;
    if (!Array.isArray(records)) return this.answer(response, 422, { error_code: 422, message: "records is required" });
    const offsets = records.map((entry) =>
      this.record(entry.value, receivedAt) ? { partition: 0, offset: this.offset++ } : { partition: null, offset: null, error_code: 1, error: "not a price event" },
    );
    this.answer(response, 200, { key_schema_id: null, value_schema_id: null, offsets });
  }

  private produceV3(body: unknown, receivedAt: number, response: ServerResponse): void {
    const value = (body as { value?: { data?: unknown } }).value?.data;
    if (!this.record(value, receivedAt)) return this.answer(response, 200, { error_code: 400, message: "not a price event" });
    this.answer(response, 200, { error_code: 200, cluster_id: CLUSTER, topic_name: TOPIC, partition_id: 0, offset: this.offset++, timestamp: new Date(receivedAt).toISOString() });
  }

  private produceV3Batch(body: unknown, receivedAt: number, response: ServerResponse): void {
    const entries = (body as { entries?: { id?: string; value?: { data?: unknown } }[] }).entries;
    if (!Array.isArray(entries)) return this.answer(response, 400, { error_code: 400, message: "entries is required" });
    const successes: Record<string, unknown>[] = [];
    const failures: Record<string, unknown>[] = [];
    for (const entry of entries) {
      if (this.record(entry.value?.data, receivedAt)) successes.push({ id: entry.id, cluster_id: CLUSTER, topic_name: TOPIC, partition_id: 0, offset: this.offset++ });
      else failures.push({ id: entry.id, error_code: 400, message: "not a price event" });
    }
    this.answer(response, 200, { successes, failures });
  }

  private answer(response: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    response.end(text);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
