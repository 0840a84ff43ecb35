import { z } from "zod";
import {
  brokerEndpoint,
  httpStatusOfErrorCode,
  isRecordRejection,
  isRetryableStatus,
  joinUrl,
  postToBroker,
  sinkError,
  splitConcatenatedJson,
  truncate,
  type BrokerEndpoint,
  type SinkError,
  type Sink,
  type SinkOptions,
  type SinkEvent,
} from "./sink";

/**
 * Kafka REST Proxy API v3 (Confluent Platform REST Proxy, Confluent Cloud):
 * `POST {url}/v3/clusters/{cluster}/topics/{topic}/records` in its streaming form, key = STRING symbol,
 * value = JSON event, HTTP Basic with the API key and secret when both are set.
 *
 * One request carries the whole batch as concatenated JSON records, and the server answers one delivery report
 * per record, in the same order (the spec's produceRecord, "streaming mode"). We chose that over
 * `records:batch` because the plain records endpoint is what every v3 server has (Confluent Platform since 6.x,
 * Confluent Cloud), while `records:batch` came much later. One request per batch keeps a delivery within one
 * subrequest (the Workers Free plan allows 50 per invocation) however large the backlog.
 *
 * The reports are read in order: the leading acknowledged records are reported as such (the outbox drops them),
 * and the first record that is not acknowledged fails the rest of the batch, which is retried with the same
 * event ids. A broker that rejects record k and accepts k+1 in the same stream can make k arrive after k+1 on
 * that retry; a consumer that needs strict order sorts a symbol's events by `timestamp`.
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
  private readonly endpoint: BrokerEndpoint;

  constructor(settings: KafkaRestV3Settings, options: SinkOptions = {}) {
    const url = joinUrl(settings.url, "v3", "clusters", settings.clusterId, "topics", settings.topic, "records");
    const headers = { "content-type": "application/json", accept: "application/json" };
    this.endpoint = brokerEndpoint(this.name, url, headers, settings, options);
  }

  async publish(events: readonly SinkEvent[]): Promise<void> {
    if (events.length === 0) return;
    const records = events.map((event) => JSON.stringify({ key: { type: "STRING", data: event.symbol }, value: { type: "JSON", data: event } }));
    const answer = await postToBroker(this.endpoint, records.join("\n"));
    const reports = splitConcatenatedJson(answer.body).map((value) => DeliveryReportSchema.safeParse(value));
    for (const [index, event] of events.entries()) {
      const which = `event ${index + 1} of ${events.length} (${event.event_id})`;
      const report = reports[index];
      if (!report?.success) {
        // Acknowledged or not, we cannot tell: resending is safe (consumers dedupe on event_id).
        throw this.fail(`HTTP ${answer.status} without a delivery report for ${which}`, true, index);
      }
      const { error_code: code, message } = report.data;
      if (code !== 200) {
        const said = message ? `: ${truncate(message)}` : "";
        const status = httpStatusOfErrorCode(code);
        throw this.fail(`${which} was rejected with error_code ${code}${said}`, isRetryableStatus(status), index, isRecordRejection(status));
      }
    }
  }

  private fail(message: string, retryable: boolean, acknowledged: number, rejected = false): SinkError {
    return sinkError(this.name, this.endpoint.secrets, message, { retryable, acknowledged, rejected });
  }
}
