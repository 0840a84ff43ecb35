import { Kafka, UpstashError } from "@upstash/kafka";
import { z } from "zod";
import {
  basicCredentials,
  DEFAULT_SINK_TIMEOUT_MS,
  isRetryableStatus,
  sinkError,
  truncate,
  type SinkError,
  type Sink,
  type SinkOptions,
  type SinkEvent,
} from "./sink";

/**
 * Upstash Kafka through its own client, `@upstash/kafka`: the batch goes out as ONE `produceMany` call
 * (`POST {url}/produce` with an array of `{topic, key, value}`), and the answer holds one metadata entry per
 * message, in order.
 *
 * The client's retries. @upstash/kafka 1.3.x retries every failure itself, 401 included, 5 times with waits of
 * 0.5, 1, 2, 4 and 8 s: over 15 s of sleeping inside a Durable Object alarm, and a 401 would look like a
 * timeout. It has no public option for this and no way to pass a fetch or an AbortSignal; its HTTP client does
 * honour a per-request `retries` count, which `produceMany` never sets. So this sink gives its own client
 * instance a `post` that always asks for `retries: 0` (see `withoutRetries`): one attempt per publish, and the
 * outbox, which knows about backoff, does the retrying. Should a future version move those internals, the
 * constructor fails loudly instead of silently sleeping again.
 *
 * The timeout. Since the client's fetch cannot be aborted, publish stops waiting after `timeoutMs` and fails
 * as retryable; the abandoned request may still land, which at-least-once delivery allows (same event_id).
 */
export interface UpstashSettings {
  url: string;
  username: string;
  password: string;
  topic: string;
}

/** One entry of the `/produce` answer. */
const ProducedSchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  offset: z.number().int(),
  timestamp: z.number().optional(),
});

/** An array of entries; a lone object is accepted too (Upstash documents that form for single messages). */
const ProduceAnswerSchema = z.union([z.array(ProducedSchema), ProducedSchema.transform((entry) => [entry])]);

/** Gives this client instance a `post` that asks for a single attempt (1.3.x: `Kafka#client.post({path, body, retries})`). */
function withoutRetries(kafka: Kafka): Kafka {
  const http: unknown = Reflect.get(kafka, "client");
  const post: unknown = typeof http === "object" && http !== null ? Reflect.get(http, "post") : undefined;
  if (typeof http !== "object" || http === null || typeof post !== "function") {
    throw new Error(
      "@upstash/kafka no longer keeps its HTTP client where version 1.3 did; re-check how src/events/upstash.ts turns off its retries",
    );
  }
  Reflect.set(http, "post", (request: object) => post.call(http, { ...request, retries: 0 }));
  return kafka;
}

export class UpstashSink implements Sink {
  readonly name = "upstash";
  private readonly producer: ReturnType<Kafka["producer"]>;
  private readonly topic: string;
  private readonly timeoutMs: number;
  private readonly secrets: readonly (string | undefined)[];

  constructor(settings: UpstashSettings, options: SinkOptions = {}) {
    const kafka = withoutRetries(new Kafka({ url: settings.url, username: settings.username, password: settings.password }));
    this.producer = kafka.producer();
    this.topic = settings.topic;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_SINK_TIMEOUT_MS;
    this.secrets = basicCredentials(settings.username, settings.password).secrets;
  }

  async publish(events: readonly SinkEvent[]): Promise<void> {
    if (events.length === 0) return;
    const messages = events.map((event) => ({ topic: this.topic, key: event.symbol, value: JSON.stringify(event) }));
    let answer: unknown;
    try {
      answer = await this.withinTimeout(this.producer.produceMany(messages));
    } catch (error) {
      throw this.translate(error);
    }
    const produced = ProduceAnswerSchema.safeParse(answer);
    if (!produced.success || produced.data.length !== events.length) {
      // We cannot tell which messages were taken: resending all is safe (consumers dedupe on event_id).
      throw this.fail(`the answer did not hold one entry per message (${events.length} sent)`, { retryable: true });
    }
  }

  private async withinTimeout<T>(work: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new UpstashTimeout()), this.timeoutMs);
    });
    // After a timeout nobody awaits `work` any more; its late failure must not become an unhandled rejection.
    work.catch(() => undefined);
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The client's failures: UpstashError (a non-2xx JSON answer, `status` from its body), a SyntaxError (a
   *  non-JSON answer, e.g. a proxy's HTML 502), a TypeError (network), or our timeout. */
  private translate(error: unknown): SinkError {
    if (error instanceof UpstashTimeout) {
      return this.fail(`Upstash did not answer within ${this.timeoutMs} ms`, { retryable: true });
    }
    if (error instanceof UpstashError) {
      const status: unknown = error.status;
      const said = truncate(String(error.message || error.error || "no message"));
      if (typeof status === "number") {
        return this.fail(`Upstash answered HTTP ${status}: ${said}`, { retryable: isRetryableStatus(status) });
      }
      return this.fail(`Upstash answered an error: ${said}`, { retryable: true });
    }
    if (error instanceof SyntaxError) {
      return this.fail("Upstash answered with a body that is not JSON", { retryable: true });
    }
    const reason = error instanceof Error ? error.message : String(error);
    return this.fail(`Upstash could not be reached (${truncate(reason)})`, { retryable: true });
  }

  private fail(message: string, details: { retryable: boolean }): SinkError {
    return sinkError(this.name, this.secrets, message, details);
  }
}

class UpstashTimeout extends Error {}
