/**
 * The dashboard in a real browser, as a person uses it: `wrangler dev` with the embedded defaults, Chromium
 * (playwright-core, the system's /usr/bin/chromium: browsers cannot be downloaded here), the page at /, a job
 * started from its form, the chart fed by the live stream, the symbol's candles from /prices/bars moved by it,
 * and a backfill started from the page. Leaves screenshots in test-results/dashboard.png and dashboard-candles.png.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { CandlesProbe, DashboardProbe } from "../../dashboard/src/probe";
import type { Bar } from "../../src/providers/history";
import { syntheticPrice } from "../../src/providers/synthetic";
import { syntheticBar } from "../../src/providers/synthetic-history";
import { startBrowserSession, type BrowserSession } from "./chromium";
import type { LocalService } from "./local-service";

const SCREENSHOT = path.resolve(import.meta.dirname, "../../test-results/dashboard.png");
const CANDLES_SCREENSHOT = path.resolve(import.meta.dirname, "../../test-results/dashboard-candles.png");

let session: BrowserSession | undefined;
let service: LocalService;
let browser: BrowserContext;

beforeAll(async () => {
  session = await startBrowserSession("dashboard", { width: 1200, height: 1100 });
  ({ service, browser } = session);
});

afterAll(async () => {
  await session?.stop();
});

/** What the page exposes on window.__dashboard, read in the page. */
function probe(page: Page): Promise<DashboardProbe> {
  return page.evaluate(() => ({ ...(globalThis as unknown as { __dashboard: DashboardProbe }).__dashboard }));
}

/** The dashboard in a new tab, and the page errors, console errors and failed requests it meets. */
async function openDashboard(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    // Failed requests are checked below, with their URL.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) problems.push(message.text());
  });
  page.on("response", (response) => {
    // The one expected refusal: the server's moving average before the symbol has `window` points.
    const tooEarly = response.status() === 404 && new URL(response.url()).pathname.startsWith("/ma/");
    if (response.status() >= 400 && !tooEarly) problems.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(service.url);
  await page.locator("#providers td", { hasText: "synthetic (default)" }).waitFor();
  return { page, problems };
}

/** Start a job polling `symbol` every second from the page's form; the page then watches it. */
async function startJobFromForm(page: Page, symbol: string) {
  await page.fill("#job-symbols", symbol);
  await page.fill("#job-interval", "1");
  await page.click("#start-job");
  const jobRow = page.locator("#jobs tr", { hasText: symbol });
  await jobRow.locator("td", { hasText: /^active$/ }).waitFor();
  return jobRow;
}

describe("the dashboard at /", () => {
  it("starts a synthetic job from its form, draws the live price with its moving average, and stops the job", async () => {
    const { page, problems } = await openDashboard();

    const symbol = `UI${Date.now().toString(36).toUpperCase()}`;
    await page.fill("#ma-window", "3");
    await page.dispatchEvent("#ma-window", "change");
    const jobRow = await startJobFromForm(page, symbol);
    // The chart follows the job's symbol and its points arrive over the stream, one a second.
    await page.waitForFunction((watched) => {
      const dashboard = (globalThis as unknown as { __dashboard: DashboardProbe }).__dashboard;
      return dashboard.symbol === watched && dashboard.stream === "live" && dashboard.points >= 3;
    }, symbol);
    const early = await probe(page);
    await page.waitForFunction((count) => (globalThis as unknown as { __dashboard: DashboardProbe }).__dashboard.points >= count, early.points + 8, { timeout: 20_000 });

    const later = await probe(page);
    expect(later.stream).toBe("live");
    // A 3-point moving average: one value for every point from the third on, drawn over the prices.
    expect(later.maPoints).toBe(later.points - 2);
    expect(later.movingAverage).toEqual(expect.any(Number));
    // The server's value (GET /ma) is shown as a number.
    await page.locator("#server-ma", { hasText: /^\d[\d,]*(\.\d+)?$/ }).waitFor();
    await expect(page.locator("#stream-status").textContent()).resolves.toBe(`${symbol}: live`);

    // The candles of the same symbol are drawn too (the next test drives them).
    await page.waitForFunction(() => (globalThis as unknown as { __dashboard: DashboardProbe }).__dashboard.candles.state === "ready");

    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await jobRow.getByRole("button", { name: "Stop" }).click();
    await jobRow.locator("td", { hasText: /^stopped$/ }).waitFor();
    const jobs = (await (await fetch(`${service.url}/prices/poll`)).json()) as { jobs: { status: string; config: { symbols: string[] } }[] };
    expect(jobs.jobs.find((job) => job.config.symbols.includes(symbol))?.status).toBe("stopped");
    expect(problems).toEqual([]);
  });

  it("draws the watched symbol's 1-minute candles from /prices/bars, moves the last one with live prices, and backfills a longer range to done", async () => {
    const { page, problems } = await openDashboard();
    const symbol = `UC${Date.now().toString(36).toUpperCase()}`;
    const jobRow = await startJobFromForm(page, symbol);

    await page.selectOption("#candles-interval", "1m");
    await page.selectOption("#candles-range", "6h");
    const loaded = await candlesWhen(page, (candles, dashboard) => dashboard.symbol === symbol && candles.state === "ready" && candles.range === "6h" && candles.interval === "1m");

    // History: one bar per minute of the range, exactly the synthetic walk's bars (the first one is complete).
    const from = Date.parse(loaded.from ?? "");
    const to = Date.parse(loaded.to ?? "");
    expect(loaded.bars).toBe(minuteStartsIn(from, to));
    const firstStart = Math.ceil(from / MINUTE) * MINUTE;
    expect(loaded.first).toEqual(candleOf(syntheticBar(symbol, "1m", firstStart, Infinity)));
    expect(loaded.hint).toBeUndefined();
    await expect(page.locator("#candles-summary").getAttribute("data-bars")).resolves.toBe(String(loaded.bars));

    // Live prices move the last candle: its close is the newest price, within its high and low, in the bar of that minute.
    const moved = await candlesWhen(page, (candles) => candles.folded >= 3);
    const price = moved.lastFolded?.price ?? NaN;
    const second = Date.parse(moved.lastFolded?.timestamp ?? "") / 1000;
    expect(price).toBe(syntheticPrice(symbol, second));
    expect(moved.last).toMatchObject({ time: new Date(Math.floor(second / 60) * MINUTE).toISOString(), close: price });
    expect(moved.last?.high).toBeGreaterThanOrEqual(price);
    expect(moved.last?.low).toBeLessThanOrEqual(price);
    expect(moved.last).not.toEqual(loaded.last);
    await expect(page.locator("#candles-summary").getAttribute("data-last-close")).resolves.toBe(String(moved.last?.close));

    // Three days of minutes are more provider requests than one call makes: the page says so, and backfills them.
    await page.selectOption("#candles-range", "3d");
    const partial = await candlesWhen(page, (candles) => candles.state === "ready" && candles.range === "3d");
    expect(partial.hint).toMatch(/POST \/prices\/backfill/);
    await expect(page.locator("#candles-hint").isVisible()).resolves.toBe(true);
    await page.click("#backfill-range");
    const backfilled = await candlesWhen(page, (candles) => candles.backfill?.status === "done" && candles.state === "ready" && candles.hint === undefined, 60_000);

    expect(backfilled.backfill?.requestsPlanned).toBeGreaterThan(3);
    expect(backfilled.backfill?.requestsDone).toBe(backfilled.backfill?.requestsPlanned);
    expect(backfilled.bars).toBe(minuteStartsIn(Date.parse(backfilled.from ?? ""), Date.parse(backfilled.to ?? "")));
    const done = backfilled.backfill?.requestsDone ?? 0;
    await expect(page.locator("#backfill-status").textContent()).resolves.toMatch(new RegExp(`: done · ${done} of ${done} requests · [\\d,]+ bars stored$`));
    const progress = page.locator("#backfill-progress");
    await expect(progress.getAttribute("value")).resolves.toBe(await progress.getAttribute("max"));

    await page.locator("#candles-panel").screenshot({ path: CANDLES_SCREENSHOT });
    await jobRow.getByRole("button", { name: "Stop" }).click();
    await jobRow.locator("td", { hasText: /^stopped$/ }).waitFor();
    expect(problems).toEqual([]);
  });
});

const MINUTE = 60_000;

/** How many 1-minute bars start in [from, to). */
function minuteStartsIn(from: number, to: number): number {
  return Math.ceil(to / MINUTE) - Math.ceil(from / MINUTE);
}

function candleOf(bar: Bar) {
  return { time: new Date(bar.timestamp).toISOString(), open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume };
}

/** The candles' probe once `ready` holds for it (checked every 100 ms); the failure shows the last one seen. */
async function candlesWhen(page: Page, ready: (candles: CandlesProbe, dashboard: DashboardProbe) => boolean, timeout = 20_000): Promise<CandlesProbe> {
  return vi.waitFor(
    async () => {
      const dashboard = await probe(page);
      if (!ready(dashboard.candles, dashboard)) throw new Error(`the candles are not there yet: ${JSON.stringify(dashboard.candles)}`);
      return dashboard.candles;
    },
    { timeout, interval: 100 },
  );
}
