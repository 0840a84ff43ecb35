import type { Config, EVENT_SINKS } from "../env";
import { KafkaRestV2Sink } from "./kafka-rest-v2";
import { KafkaRestV3Sink } from "./kafka-rest-v3";
import { LogSink } from "./log";
import { NoneSink } from "./none";
import { requireSettings, type Sink, type SinkOptions } from "./sink";
import { UpstashSink } from "./upstash";

type SinkName = (typeof EVENT_SINKS)[number];
type SinkFactory = (config: Config, options: SinkOptions) => Sink;

/** Every value of EVENT_SINK and how to build it. "Add a sink" = one file in this folder + one line here. */
const SINKS: Record<SinkName, SinkFactory> = {
  log: () => new LogSink(),
  none: () => new NoneSink(),
  upstash: (config, options) => new UpstashSink({ ...upstashSettings(config), topic: config.KAFKA_TOPIC }, options),
  "kafka-rest": (config, options) => new KafkaRestV3Sink(kafkaRestV3Settings(config), options),
  "kafka-rest-v2": (config, options) => new KafkaRestV2Sink(kafkaRestV2Settings(config), options),
};

/**
 * The sink `EVENT_SINK` names. Fails with an error naming the missing settings (never their values) when
 * the chosen sink's settings are incomplete.
 */
export function createSink(config: Config, options: SinkOptions = {}): Sink {
  return SINKS[config.EVENT_SINK](config, options);
}

function upstashSettings(config: Config) {
  const settings = requireSettings("upstash", {
    UPSTASH_KAFKA_REST_URL: config.UPSTASH_KAFKA_REST_URL,
    UPSTASH_KAFKA_REST_USERNAME: config.UPSTASH_KAFKA_REST_USERNAME,
    UPSTASH_KAFKA_REST_PASSWORD: config.UPSTASH_KAFKA_REST_PASSWORD,
  });
  requireHttpUrl("upstash", "UPSTASH_KAFKA_REST_URL", settings.UPSTASH_KAFKA_REST_URL);
  return {
    url: settings.UPSTASH_KAFKA_REST_URL,
    username: settings.UPSTASH_KAFKA_REST_USERNAME,
    password: settings.UPSTASH_KAFKA_REST_PASSWORD,
  };
}

function kafkaRestV3Settings(config: Config) {
  const settings = requireSettings("kafka-rest", {
    KAFKA_REST_URL: config.KAFKA_REST_URL,
    KAFKA_REST_CLUSTER_ID: config.KAFKA_REST_CLUSTER_ID,
  });
  return {
    ...kafkaRestV2Settings(config, "kafka-rest"),
    url: settings.KAFKA_REST_URL,
    clusterId: settings.KAFKA_REST_CLUSTER_ID,
  };
}

function kafkaRestV2Settings(config: Config, sink = "kafka-rest-v2") {
  const { KAFKA_REST_URL: url } = requireSettings(sink, { KAFKA_REST_URL: config.KAFKA_REST_URL });
  requireHttpUrl(sink, "KAFKA_REST_URL", url);
  const apiKey = config.KAFKA_REST_API_KEY;
  const apiSecret = config.KAFKA_REST_API_SECRET;
  if (apiKey && !apiSecret) throw new Error(`EVENT_SINK=${sink}: KAFKA_REST_API_KEY is set but KAFKA_REST_API_SECRET is not`);
  if (apiSecret && !apiKey) throw new Error(`EVENT_SINK=${sink}: KAFKA_REST_API_SECRET is set but KAFKA_REST_API_KEY is not`);
  return { url, topic: config.KAFKA_TOPIC, apiKey, apiSecret };
}

/** The value is not echoed: a URL may carry credentials. */
function requireHttpUrl(sink: string, name: string, value: string): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== "https:" && protocol !== "http:") {
    throw new Error(`EVENT_SINK=${sink}: ${name} must be an http(s) URL`);
  }
}
