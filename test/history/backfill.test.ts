/// <reference types="vite/client" />
/**
 * Backfill jobs on real alarms: a paged (multi-request) Polygon backfill whose object is reset mid-way ends
 * with exactly the bars the provider answered, once each, and one backfill.completed event; running it again
 * stores nothing new; refusals end as `failed` with the error; cancel, list and paging.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import aggs from "../../../shared/fixtures/providers/polygon/v2_aggs_range_aapl_1day_2005-04-01_2005-04-04.json?raw";
import { call, postJson, uniqueSymbol } from "../support/api";
import { deliveredEvents, waitForEvents } from "../support/events";
import { requestsMatching, whenRequested } from "../support/scenario";

interface BackfillBody {
  backfill_id: string;
  status: string;
  config: Record<string, unknown>;
  progress: { requests_done: number; requests_planned: number; bars_stored: number; current: unknown };
  errors: { symbol: string; code: string; message: string }[];
  created_at: string;
  finished_at: string | null;
}

const getBackfill = (id: string) => call<BackfillBody>(`/prices/backfill/${id}`);

async function waitForBackfill(id: string, done: (body: BackfillBody) => boolean, timeout = 15_000): Promise<BackfillBody> {
  return vi.waitFor(
    async () => {
      const { body } = await getBackfill(id);
      if (!done(body)) throw new Error(`backfill ${id}: ${JSON.stringify(body.progress)} ${body.status}`);
      return body;
    },
    { timeout, interval: 50 },
  );
}

async function storedBars(symbol: string, provider: string): Promise<{ ts: number; close: number }[]> {
  const rows = await env.DB.prepare("SELECT ts, close FROM price_bars WHERE symbol = ? AND provider = ? ORDER BY ts").bind(symbol, provider).all<{ ts: number; close: number }>();
  return rows.results;
}

const POLYGON_BARS = [
  { ts: Date.parse("2005-04-01T05:00:00Z"), close: 1.4604 },
  { ts: Date.parse("2005-04-04T04:00:00Z"), close: 1.4675 },
];

describe("POST /prices/backfill", () => {
  it("survives its object being reset mid-way: resumes at the page it was at and stores each answered bar once", { timeout: 60_000 }, async () => {
    const symbol = uniqueSymbol("R");
    // The recorded aggregates as Polygon pages a window: the first bar, then (via next_url) the second one,
    // answered slowly so that the reset lands before or during that second request: either way the resumed
    // object must go on with page 2 (asking it again if it was cut off), not start over.
    const recorded = JSON.parse(aggs) as { results: unknown[] };
    const nextUrl = `https://api.polygon.io/v2/aggs/ticker/${symbol}/range/1/day/1112313600000/1112659199999?cursor=cGFnZTI`;
    await whenRequested({ match: `/polygon/v2/aggs/ticker/${symbol}/range/1/day/1112313600000/1112659199999?adjusted`, responses: [{ json: { ...recorded, results: recorded.results.slice(0, 1), next_url: nextUrl } }] });
    await whenRequested({ match: `/polygon/v2/aggs/ticker/${symbol}/range/1/day/1112313600000/1112659199999?cursor`, responses: [{ json: { ...recorded, results: recorded.results.slice(1) }, delayMs: 1000 }] });

    const created = await postJson("/prices/backfill", { symbols: [symbol], interval: "1d", from: "2005-04-01T00:00:00Z", to: "2005-04-05T00:00:00Z", provider: "polygon" });
    expect(created.status).toBe(202);
    const id = (created.body as unknown as BackfillBody).backfill_id;
    expect(created.body).toMatchObject({ status: "queued", config: { symbols: [symbol], interval: "1d", provider: "polygon" } });

    await waitForBackfill(id, (body) => body.progress.requests_done >= 2 || body.progress.bars_stored === 1);
    const stub = env.BACKFILL_OBJECT.get(env.BACKFILL_OBJECT.idFromName(`backfill:${id}`));
    await runInDurableObject(stub, (instance, state) => {
      Reflect.set(instance, "beforeReset", true);
      try {
        state.abort("reset mid-way by the test");
      } catch {
        // abort() ends the object; the error it throws here is expected.
      }
    }).catch(() => undefined);

    const finished = await waitForBackfill(id, (body) => body.status === "done", 50_000);
    // A new instance ran the rest: the old one's memory is gone.
    const freshStub = env.BACKFILL_OBJECT.get(env.BACKFILL_OBJECT.idFromName(`backfill:${id}`));
    expect(await runInDurableObject(freshStub, (instance) => Reflect.get(instance, "beforeReset"))).toBeUndefined();

    expect(await storedBars(symbol, "polygon")).toEqual(POLYGON_BARS);
    expect(finished.progress).toMatchObject({ bars_stored: 2, requests_planned: 2, current: null });
    expect(finished.errors).toEqual([]);
    expect(await requestsMatching(`/polygon/v2/aggs/ticker/${symbol}/range/1/day/1112313600000/1112659199999?adjusted`)).toHaveLength(1);
    expect((await requestsMatching(`/polygon/v2/aggs/ticker/${symbol}/range/1/day/1112313600000/1112659199999?cursor`)).length).toBeGreaterThanOrEqual(1);
    const [event] = await waitForEvents(symbol, 1);
    expect(event!.value).toEqual({
      event_id: expect.any(String),
      type: "backfill.completed",
      version: 1,
      backfill_id: id,
      symbol,
      provider: "polygon",
      interval: "1d",
      from: "2005-04-01T00:00:00.000Z",
      to: "2005-04-05T00:00:00.000Z",
      bars_stored: 2,
      emitted_at: expect.any(String),
    });
  });

  it("splits a range into provider-sized requests, and a second run asks nothing and stores nothing", async () => {
    const symbol = uniqueSymbol("I");
    const from = Date.parse("2024-01-01T00:00:00Z");
    const to = from + 2_500 * 60_000;
    const body = { symbols: [symbol], interval: "1m", from: new Date(from).toISOString(), to: new Date(to).toISOString(), provider: "synthetic" };

    const first = await postJson("/prices/backfill", body);
    const done = await waitForBackfill((first.body as unknown as BackfillBody).backfill_id, (b) => b.status === "done");
    const second = await postJson("/prices/backfill", body);
    const again = await waitForBackfill((second.body as unknown as BackfillBody).backfill_id, (b) => b.status === "done");

    // synthetic answers 1000 bars a request: 2,500 minutes are 3 requests.
    expect(done.progress).toMatchObject({ requests_done: 3, requests_planned: 3, bars_stored: 2_500 });
    expect(again.progress).toMatchObject({ requests_done: 0, requests_planned: 0, bars_stored: 0 });
    const count = await env.DB.prepare("SELECT count(*) AS n FROM price_bars WHERE symbol = ?").bind(symbol).first<{ n: number }>();
    expect(count?.n).toBe(2_500);
    const raw = await env.DB.prepare("SELECT count(*) AS n FROM raw_responses WHERE symbols = ?").bind(symbol).first<{ n: number }>();
    expect(raw?.n).toBe(3);
  });

  it("ends as failed with the provider's refusal and publishes nothing for that symbol", async () => {
    const symbol = uniqueSymbol("Q");
    await whenRequested({ match: `/finnhub/api/v1/stock/candle?symbol=${symbol}&`, responses: [{ fixture: "finnhub/error_no_access_quote_non_us_symbol.json" }] });

    const created = await postJson("/prices/backfill", { symbols: [symbol], interval: "1d", from: "2023-01-01T00:00:00Z", to: "2025-01-01T00:00:00Z", provider: "finnhub" });
    const failed = await waitForBackfill((created.body as unknown as BackfillBody).backfill_id, (b) => b.status === "failed");

    expect(failed.errors).toEqual([{ symbol, from: "2023-01-01T00:00:00.000Z", to: "2024-01-01T00:00:00.000Z", code: "provider_plan_required", message: expect.stringContaining("paid plan") }]);
    // The second year is not asked for: the plan cannot change between requests.
    expect(await requestsMatching(`/finnhub/api/v1/stock/candle?symbol=${symbol}&`)).toHaveLength(1);
    expect(await deliveredEvents(symbol)).toEqual([]);
  });

  it("refuses an interval the provider lacks, an unknown id, and cancels, lists and pages", async () => {
    const refused = await postJson("/prices/backfill", { symbols: ["IBM"], interval: "1wk", from: "2024-01-01T00:00:00Z", to: "2024-02-01T00:00:00Z", provider: "alpha_vantage" });
    expect(refused.status).toBe(422);
    expect((await getBackfill("no-such-backfill")).status).toBe(404);

    const symbol = uniqueSymbol("C");
    await whenRequested({ match: `/yahoo/v8/finance/chart/${symbol}?`, responses: [{ fixture: "yahoo/chart_1d_btc-usd_2020-01-01_to_2020-01-03.json", delayMs: 3000 }] });
    const created = await postJson("/prices/backfill", { symbols: [symbol], interval: "1d", from: "2020-01-01T00:00:00Z", to: "2020-01-04T00:00:00Z", provider: "yfinance" });
    const id = (created.body as unknown as BackfillBody).backfill_id;
    const cancelled = await call<BackfillBody>(`/prices/backfill/${id}`, { method: "DELETE" });
    expect(cancelled.body).toMatchObject({ backfill_id: id, status: "cancelled", finished_at: expect.any(String) });

    const page1 = await call<{ backfills: BackfillBody[]; next_cursor: string | null }>("/prices/backfill?limit=1");
    expect(page1.body.backfills).toHaveLength(1);
    expect(page1.body.next_cursor).toEqual(expect.any(String));
    const page2 = await call<{ backfills: BackfillBody[] }>(`/prices/backfill?limit=1&cursor=${page1.body.next_cursor}`);
    expect(page2.body.backfills[0]?.backfill_id).not.toBe(page1.body.backfills[0]?.backfill_id);
  });
});
