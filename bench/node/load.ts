/**
 * Load generation: autocannon for throughput under concurrency (with every response time kept, so percentiles
 * are exact rather than autocannon's whole-millisecond histogram), and a one-at-a-time sampler for latency.
 */
import autocannon from "autocannon";
import { percentile, sortedCopy } from "./stats";

export interface LoadResult {
  label: string;
  url: string;
  connections: number;
  durationSeconds: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  label: string;
  url: string;
  connections: number;
  durationSeconds: number;
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: options.url, connections: options.connections, duration: options.durationSeconds },
      (error: unknown, result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const sorted = sortedCopy(latencies);
        const completed = result["2xx"];
        resolve({
          label: options.label,
          url: options.url,
          connections: options.connections,
          durationSeconds: result.duration,
          requests: completed,
          requestsPerSecond: completed / result.duration,
          p50Ms: percentile(sorted, 50),
          p99Ms: percentile(sorted, 99),
          non2xx: result.non2xx,
          errors: result.errors,
        });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

export interface LatencySample {
  /** Each successful request's time, ms, in order. */
  times: number[];
  failures: number;
  firstFailure?: string;
}

/** `count` requests one after another (keep-alive), each timed on its own. */
export async function sampleLatency(url: string, count: number): Promise<LatencySample> {
  const sample: LatencySample = { times: [], failures: 0 };
  for (let i = 0; i < count; i++) {
    const startedAt = performance.now();
    const response = await fetch(url);
    const body = await response.text();
    const elapsed = performance.now() - startedAt;
    if (response.ok) sample.times.push(elapsed);
    else {
      sample.failures += 1;
      sample.firstFailure ??= `${response.status} ${body.slice(0, 200)}`;
    }
  }
  return sample;
}

export function mergeSamples(samples: readonly LatencySample[]): LatencySample {
  return {
    times: samples.flatMap((sample) => sample.times),
    failures: samples.reduce((sum, sample) => sum + sample.failures, 0),
    firstFailure: samples.find((sample) => sample.firstFailure !== undefined)?.firstFailure,
  };
}

export function latencyPercentiles(sample: LatencySample): { p50Ms: number; p99Ms: number } {
  const sorted = sortedCopy(sample.times);
  return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
}
