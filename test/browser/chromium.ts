/**
 * What every browser test starts from: the service as `npm start` runs it (local-service.ts) and the system's
 * Chromium (playwright-core: browsers cannot be downloaded here) in a fresh profile, and how both are stopped.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { startLocalService, type LocalService } from "./local-service";

const CHROMIUM = "/usr/bin/chromium";
// Without the background-networking switches Chromium waits on a network this machine does not have.
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export interface BrowserSession {
  service: LocalService;
  browser: BrowserContext;
  /** Closes the browser, removes its profile and stops the service. */
  stop(): Promise<void>;
}

/** `name` labels the temporary profile; `viewport` is Chromium's default when not given. */
export async function startBrowserSession(name: string, viewport?: { width: number; height: number }): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: run \`apt-get update && apt-get install -y chromium\` (.ci/run does)`);
  }
  const service = await startLocalService();
  const profile = await mkdtemp(path.join(tmpdir(), `${name}-chromium-`));
  const removeProfile = () => rm(profile, { recursive: true, force: true });
  let browser: BrowserContext;
  try {
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, ...(viewport ? { viewport } : {}), args: CHROMIUM_ARGS });
  } catch (error) {
    await removeProfile();
    await service.stop();
    throw error;
  }
  return {
    service,
    browser,
    stop: async () => {
      await browser.close();
      await removeProfile();
      await service.stop();
    },
  };
}
