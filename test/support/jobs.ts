import { vi } from "vitest";
import { call, countRows, postJson } from "./api";

export interface JobBody {
  job_id: string;
  status: "active" | "stopped";
  config: { symbols: string[]; interval: number; provider: string };
  created_at: string;
  stopped_at: string | null;
  last_run_at: string | null;
  runs: number;
  errors: number;
  last_error: string | null;
}

export async function startJob(config: { symbols: string[]; interval: number; provider?: string }): Promise<string> {
  const answer = await postJson("/prices/poll", config);
  if (answer.status !== 202) throw new Error(`POST /prices/poll answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return (answer.body as { job_id: string }).job_id;
}

export async function job(id: string): Promise<JobBody> {
  return (await call<JobBody>(`/prices/poll/${id}`)).body;
}

export async function stopJob(id: string): Promise<JobBody> {
  return (await call<JobBody>(`/prices/poll/${id}`, { method: "DELETE" })).body;
}

/** How many points of this symbol from this provider are in D1. */
export function storedPoints(symbol: string, provider: string): Promise<number> {
  return countRows("price_points", symbol, provider);
}

/** Wait until `check` passes; polling loops run on real alarms, so tests watch them as a client would. */
export function eventually<T>(check: () => Promise<T>, timeout = 10_000): Promise<T> {
  return vi.waitFor(check, { timeout, interval: 100 });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
