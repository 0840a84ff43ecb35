import { z } from "zod";
import type { PriceEvent } from "../schemas/price-event";
import {
  basicAuthorization,
  DEFAULT_SINK_TIMEOUT_MS,
  httpStatusOfErrorCode,
  isRetryableStatus,
  joinUrl,
  parseJson,
  postToBroker,
  redact,
  SinkError,
  truncate,
  type Sink,
  type SinkOptions,
} from "./sink";

/**
 * Kafka REST Proxy API v3 (Confluent Platform REST Proxy, Confluent Cloud):
 * `POST {url}/v3/clusters/{cluster}/topics/{topic}/records`, one record per request, key = STRING symbol,
 * value = JSON event, HTTP Basic with the API key and secret when both are set.
 *
 * One request per record, sent one after the other, rather than `records:batch` or a concatenated stream:
 * - the plain records endpoint is what every v3 server has (Confluent Platform since 6.x, Confluent Cloud);
 *   `records:batch` came much later and self-hosted proxies in the field may not serve it;
 * - stopping at the first record that is not acknowledged means nothing after it reaches the topic before
 *   it does, so a retried batch never lands out of order (a batch request could acknowledge records 2..n
 *   while rejecting record 1);
 * - an outbox batch holds the few new points of one symbol, so the extra round trips are cheap.
 */
export interface KafkaRestV3Settings {
  /** KAFKA_REST_URL: the base, including any path prefix (Confluent Cloud's ends in `/kafka`). */
  url: string;
  clusterId: string;
  topic: string;
  apiKey?: string;
  apiSecret?: string;
}

/** The spec's ProduceResponseData: what the server says it wrote for a key or value. */
const ProduceResponseDataSchema = z
  .object({
    size: z.number().int(),
    type: z.string().nullish(),
    subject: z.string().nullish(),
    schema_id: z.number().int().nullish(),
    schema_version: z.number().int().nullish(),
  })
  .nullish();

/** The spec's ProduceResponse: one delivery report; `error_code` 200 means the record is in the topic. */
const DeliveryReportSchema = z.object({
  error_code: z.number().int(),
  message: z.string().nullish(),
  cluster_id: z.string().optional(),
  topic_name: z.string().optional(),
  partition_id: z.number().int().optional(),
  offset: z.number().int().optional(),
  timestamp: z.string().nullish(),
  key: ProduceResponseDataSchema,
  value: ProduceResponseDataSchema,
});

export class KafkaRestV3Sink implements Sink {
  readonly name = "kafka-rest";
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly secrets: readonly (string | undefined)[];

  constructor(settings: KafkaRestV3Settings, options: SinkOptions = {}) {
    this.url = joinUrl(settings.url, "v3", "clusters", settings.clusterId, "topics", settings.topic, "records");
    this.headers = { "content-type": "application/json", accept: "application/json" };
    const authorization =
      settings.apiKey && settings.apiSecret ? basicAuthorization(settings.apiKey, settings.apiSecret) : undefined;
    if (authorization) this.headers.authorization = authorization;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_SINK_TIMEOUT_MS;
    this.secrets = [settings.apiSecret, settings.apiKey, authorization?.slice("Basic ".length)];
  }

  async publish(events: readonly PriceEvent[]): Promise<void> {
    for (const [index, event] of events.entries()) {
      await this.produce(event, `event ${index + 1} of ${events.length} (${event.event_id})`);
    }
  }

  private async produce(event: PriceEvent, which: string): Promise<void> {
    const record = { key: { type: "STRING", data: event.symbol }, value: { type: "JSON", data: event } };
    let answer;
    try {
      answer = await postToBroker({
        sink: this.name,
        url: this.url,
        headers: this.headers,
        body: JSON.stringify(record),
        timeoutMs: this.timeoutMs,
        secrets: this.secrets,
      });
    } catch (error) {
      if (error instanceof SinkError) throw new SinkError(`${error.message} (${which})`, error);
      throw error;
    }
    const report = DeliveryReportSchema.safeParse(parseJson(answer.body));
    if (!report.success) {
      // Acknowledged or not, we cannot tell: resending is safe (consumers dedupe on event_id).
      throw this.fail(`HTTP ${answer.status} without a delivery report for ${which}`, true);
    }
    const { error_code: code, message } = report.data;
    if (code !== 200) {
      const said = message ? `: ${truncate(message)}` : "";
      throw this.fail(`${which} was rejected with error_code ${code}${said}`, isRetryableStatus(httpStatusOfErrorCode(code)));
    }
  }

  private fail(message: string, retryable: boolean): SinkError {
    return new SinkError(redact(`${this.name}: ${message}`, this.secrets), { retryable });
  }
}
