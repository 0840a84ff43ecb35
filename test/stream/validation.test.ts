import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, call, uniqueSymbol } from "../support/api";
import { openSse } from "../support/streams";

const symbols = (count: number) => Array.from({ length: count }, (_, index) => `V${index}`).join(",");

describe("GET /prices/stream refuses what it cannot stream, with 422 JSON before streaming", () => {
  it.each([
    ["no symbols parameter", "/prices/stream"],
    ["an empty symbol list", "/prices/stream?symbols="],
    ["an invalid symbol", "/prices/stream?symbols=AAPL,AA%20PL"],
    ["an empty entry", "/prices/stream?symbols=AAPL,,MSFT"],
    ["51 symbols", `/prices/stream?symbols=${symbols(51)}`],
    ["an unknown provider", "/prices/stream?symbols=AAPL&provider=bloomberg"],
    ["a last_event_id that is no event id", "/prices/stream?symbols=AAPL&last_event_id=42"],
    ["a heartbeat of 0 seconds", "/prices/stream?symbols=AAPL&heartbeat=0"],
  ])("%s", async (_case, path) => {
    for (const headers of [{ accept: "text/event-stream" }, { upgrade: "websocket" }] as Record<string, string>[]) {
      const answer = await call(path, { headers });
      expect(answer.status, JSON.stringify(headers)).toBe(422);
      expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
      expect(answer.body).toMatchObject({ error: { code: "invalid_request", message: expect.any(String) } });
    }
  });

  it("names the limit when there are more than 50 symbols", async () => {
    const answer = await call(`/prices/stream?symbols=${symbols(51)}`);
    expect(answer.body).toMatchObject({ error: { message: expect.stringContaining("at most 50 symbols") } });
  });

  it("a Last-Event-ID header that is no event id", async () => {
    const answer = await call("/prices/stream?symbols=AAPL", { headers: { "last-event-id": "not-an-id" } });
    expect(answer.status).toBe(422);
  });

  it("streams exactly 50 symbols, and counts a repeated symbol once", async () => {
    const fifty = `${symbols(50)},V0,v1`;
    const client = await openSse(`/prices/stream?symbols=${fifty}&provider=synthetic`);
    await client.waitForComment(/^live: V0,V1,.*,V49 from synthetic$/);
    await client.close();
  });

  it("answers HEAD with the stream's headers and no body", async () => {
    const response = await SELF.fetch(`${BASE}/prices/stream?symbols=${uniqueSymbol("E")}`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(await response.text()).toBe("");
  });
});
