/**
 * The dashboard in a real browser, as a person uses it: `wrangler dev` with the embedded defaults, Chromium
 * (playwright-core, the system's /usr/bin/chromium: browsers cannot be downloaded here), the page at /, a job
 * started from its form, the chart fed by the live stream. Leaves a screenshot in test-results/dashboard.png.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DashboardProbe } from "../../dashboard/src/probe";
import { startLocalService, type LocalService } from "./local-service";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = path.resolve(import.meta.dirname, "../../test-results/dashboard.png");

let service: LocalService;
let profile: string;
let browser: BrowserContext;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: run \`apt-get update && apt-get install -y chromium\` (.ci/run does)`);
  }
  service = await startLocalService();
  profile = await mkdtemp(path.join(tmpdir(), "dashboard-chromium-"));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1200, height: 1100 },
    // Without the background-networking switches Chromium waits on a network this machine does not have.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

afterAll(async () => {
  await browser?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  await service?.stop();
});

/** What the page exposes on window.__dashboard, read in the page. */
function probe(page: Page): Promise<DashboardProbe> {
  return page.evaluate(() => ({ ...(globalThis as unknown as { __dashboard: DashboardProbe }).__dashboard }));
}

describe("the dashboard at /", () => {
  it("starts a synthetic job from its form, draws the live price with its moving average, and stops the job", async () => {
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

    const symbol = `UI${Date.now().toString(36).toUpperCase()}`;
    await page.fill("#ma-window", "3");
    await page.dispatchEvent("#ma-window", "change");
    await page.fill("#job-symbols", symbol);
    await page.fill("#job-interval", "1");
    await page.click("#start-job");

    const jobRow = page.locator("#jobs tr", { hasText: symbol });
    await jobRow.locator("td", { hasText: /^active$/ }).waitFor();
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

    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await jobRow.getByRole("button", { name: "Stop" }).click();
    await jobRow.locator("td", { hasText: /^stopped$/ }).waitFor();
    const jobs = (await (await fetch(`${service.url}/prices/poll`)).json()) as { jobs: { status: string; config: { symbols: string[] } }[] };
    expect(jobs.jobs.find((job) => job.config.symbols.includes(symbol))?.status).toBe("stopped");
    expect(problems).toEqual([]);
  });
});
