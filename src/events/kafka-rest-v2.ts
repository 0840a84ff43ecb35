import { z } from "zod";
import { tryParseJson } from "../wire/json";
import {
  brokerEndpoint,
  httpStatusOfErrorCode,
  isRetryableStatus,
  joinUrl,
  postToBroker,
  sinkError,
  truncate,
  type BrokerEndpoint,
  type SinkError,
  type Sink,
  type SinkOptions,
  type SinkEvent,
} from "./sink";

/**
 * Kafka REST Proxy API v2, the dialect Confluent REST Proxy, Redpanda's HTTP Proxy (Pandaproxy) and Karapace
 * share: `POST {url}/topics/{topic}` with the JSON embedded format, the whole batch in one request, key =
 * symbol, value = event. The answer holds one offset entry per record, in order; an entry with an error is a
 * record the broker did not take.
 *
 * Note: in the JSON embedded format the key is itself JSON, so the Kafka key bytes are `"AAPL"` (quoted), not
 * `AAPL` as with the v3 and Upstash sinks.
 */
export interface KafkaRestV2Settings {
  /** KAFKA_REST_URL: the base, including any path prefix. */
  url: string;
  topic: string;
  apiKey?: string;
  apiSecret?: string;
}

export const KAFKA_JSON_V2 = "application/vnd.kafka.json.v2+json";

const OffsetSchema = z.object({
  partition: z.number().int().nullish(),
  offset: z.number().int().nullish(),
  error_code: z.number().int().nullish(),
  error: z.string().nullish(),
});

const ProduceAnswerSchema = z.object({ offsets: z.array(OffsetSchema) });

/**
 * Confluent's v2 offset error codes: 1 = non-retriable Kafka error, 2 = retriable; Confluent Cloud and others
 * answer with HTTP-style codes (50002 = 500 + 02). No code but an error message: assume it may pass later.
 */
function isRetryableOffsetError(code: number | null | undefined): boolean {
  if (code === 1) return false;
  if (code === 2 || code === null || code === undefined) return true;
  return isRetryableStatus(httpStatusOfErrorCode(code));
}

export class KafkaRestV2Sink implements Sink {
  readonly name = "kafka-rest-v2";
  private readonly endpoint: BrokerEndpoint;

  constructor(settings: KafkaRestV2Settings, options: SinkOptions = {}) {
    const url = joinUrl(settings.url, "topics", settings.topic);
    const headers = { "content-type": KAFKA_JSON_V2, accept: "application/vnd.kafka.v2+json, application/json" };
    this.endpoint = brokerEndpoint(this.name, url, headers, settings, options);
  }

  async publish(events: readonly SinkEvent[]): Promise<void> {
    if (events.length === 0) return;
    const answer = await postToBroker(this.endpoint, JSON.stringify({ records: events.map((event) => ({ key: event.symbol, value: event })) }));
    const parsed = ProduceAnswerSchema.safeParse(tryParseJson(answer.body));
    if (!parsed.success || parsed.data.offsets.length !== events.length) {
      // We cannot tell which records were taken: resending all is safe (consumers dedupe on event_id).
      throw this.fail(`HTTP ${answer.status} without one offset per record (${events.length} sent)`, true);
    }
    const failed = parsed.data.offsets.findIndex((entry) => entry.error_code != null || entry.error != null);
    const entry = parsed.data.offsets[failed];
    if (entry) {
      const event = events[failed];
      const code = entry.error_code != null ? ` error_code ${entry.error_code}` : "";
      const said = entry.error ? `: ${truncate(entry.error)}` : "";
      throw this.fail(
        `event ${failed + 1} of ${events.length} (${event?.event_id}) was rejected:${code}${said}`,
        isRetryableOffsetError(entry.error_code),
      );
    }
  }

  private fail(message: string, retryable: boolean): SinkError {
    return sinkError(this.name, this.endpoint.secrets, message, { retryable });
  }
}
