/** The tests' side of the fixture server (see fixture-server.ts): program answers, read what arrived. */
import { env } from "cloudflare:test";
import type { Rule } from "./fixture-server";

export interface CapturedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export const fixtureServerUrl = (): string => env.FIXTURE_SERVER_URL;

/** Program an answer; returns a function that removes it. */
export async function whenRequested(rule: Rule): Promise<() => Promise<void>> {
  const answer = await fetch(`${fixtureServerUrl()}/__rules`, { method: "POST", body: JSON.stringify(rule) });
  const { id } = (await answer.json()) as { id: number };
  return async () => {
    await fetch(`${fixtureServerUrl()}/__rules/${id}`, { method: "DELETE" });
  };
}

export async function requestsMatching(match: string): Promise<CapturedRequest[]> {
  const answer = await fetch(`${fixtureServerUrl()}/__requests?match=${encodeURIComponent(match)}`);
  return ((await answer.json()) as { requests: CapturedRequest[] }).requests;
}

/** A corner of the fixture server for one test only: its own base URL path, answered with `responses`. */
export async function serve(...responses: Rule["responses"]): Promise<{ tag: string; baseUrl: string }> {
  const tag = crypto.randomUUID();
  await whenRequested({ match: tag, responses });
  return { tag, baseUrl: `${fixtureServerUrl()}/${tag}` };
}
