import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { runHousekeeping } from "../../src/jobs/watchdog";
import { database } from "../../src/store/db";
import { storageHealth, type StorageHealth } from "../../src/store/growth";
import { BASE, call } from "../support/api";

const HOUR_MS = 3_600_000;

async function healthWith(settings: Record<string, string>): Promise<{ storage: StorageHealth }> {
  const response = await createApp().request(`${BASE}/health`, undefined, { ...env, ...settings });
  return response.json();
}

/** The cron's size sample as if taken 23 hours ago, when the database was half its size and 2,300 points ago. */
async function sampledADayAgo(): Promise<{ bytes: number }> {
  // Only this test's sample: an earlier one would be the older reference.
  await env.DB.prepare("DELETE FROM storage_samples").run();
  await runHousekeeping(env);
  const sample = await env.DB.prepare("SELECT sampled_at, database_bytes FROM storage_samples").first<{ sampled_at: number; database_bytes: number }>();
  expect(sample).not.toBeNull();
  const bytes = Math.floor(sample!.database_bytes / 2);
  await env.DB.prepare("UPDATE storage_samples SET sampled_at = ?, database_bytes = ?, newest_point_id = newest_point_id - 2300").bind(Date.now() - 23 * HOUR_MS, bytes).run();
  return { bytes: sample!.database_bytes - bytes };
}

describe("storage in /health", () => {
  it("shows the database's size against its limit (D1_DATABASE_LIMIT_MB), without a warning far from it", async () => {
    const answer = await call<{ storage: StorageHealth }>("/health");

    expect(answer.body.storage.database_bytes).toBeGreaterThan(0);
    expect(answer.body.storage.limit_bytes).toBe(10_240 * 1_048_576);
    expect(answer.body.storage.warning).toBeNull();
  });

  it("warns once the database passes 80 % of its limit", async () => {
    const { database_bytes: bytes } = await storageHealth(database(env.DB), Number.MAX_SAFE_INTEGER);

    const near = await storageHealth(database(env.DB), Math.floor(bytes / 0.9));

    expect(near.warning).toMatch(/of its \d+ MB limit; every write fails beyond it/);
  });

  it("shows the growth of the last day, from the cron's hourly size samples, and when the limit is reached at that rate", async () => {
    const { bytes: grown } = await sampledADayAgo();
    const current = await storageHealth(database(env.DB), Number.MAX_SAFE_INTEGER);
    // A limit about 200 days of this growth away (this test database is small: 10 GB would be centuries away).
    const limitMegabytes = Math.ceil((current.database_bytes + 200 * current.growth!.bytes_per_day) / 1_048_576);

    const answer = await healthWith({ D1_DATABASE_LIMIT_MB: String(limitMegabytes) });

    const { growth, database_bytes: bytes, limit_bytes: limit } = answer.storage;
    expect(limit).toBe(limitMegabytes * 1_048_576);
    expect(growth).toMatchObject({ measured_hours: 23, points_per_day: expect.any(Number) });
    // Grown over 23 hours: a day's growth is 24/23 of it (and more if other tests wrote meanwhile).
    expect(growth!.bytes_per_day).toBeGreaterThanOrEqual(Math.floor((grown * 24) / 23));
    expect(growth!.points_per_day).toBeGreaterThanOrEqual(2400);
    const expectedAt = Date.now() + ((limit - bytes) / growth!.bytes_per_day) * 24 * HOUR_MS;
    expect(Math.abs(Date.parse(growth!.limit_reached_at!) - expectedAt)).toBeLessThan(24 * HOUR_MS);
    expect(answer.storage.warning).toBeNull();
  });

  it("warns when the limit would be reached within 30 days at the last day's growth", async () => {
    await sampledADayAgo();
    const { database_bytes: bytes, growth } = await storageHealth(database(env.DB), Number.MAX_SAFE_INTEGER);

    // Room for ten days of this growth, and far below 80 % of it.
    const soon = await storageHealth(database(env.DB), bytes + 10 * growth!.bytes_per_day);

    expect(soon.warning).toMatch(/^at \d+ MB a day the database reaches its \d+ MB limit in about (9|10) days \(\d{4}-\d{2}-\d{2}\); every write fails beyond it/);
  });

  it("shows no growth before the cron has sampled the size for an hour", async () => {
    await env.DB.prepare("DELETE FROM storage_samples").run();
    await runHousekeeping(env);

    const answer = await call<{ storage: StorageHealth }>("/health");

    expect(answer.body.storage.growth).toBeNull();
  });
});
