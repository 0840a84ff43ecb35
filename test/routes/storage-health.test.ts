import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../src/store/db";
import { storageHealth } from "../../src/store/growth";
import { call } from "../support/api";

describe("storage in /health", () => {
  it("shows the database's size against its limit (D1_DATABASE_LIMIT_MB), without a warning far from it", async () => {
    const answer = await call<{ storage: { database_bytes: number; limit_bytes: number; warning: string | null } }>("/health");

    expect(answer.body.storage.database_bytes).toBeGreaterThan(0);
    expect(answer.body.storage.limit_bytes).toBe(10_240 * 1_048_576);
    expect(answer.body.storage.warning).toBeNull();
  });

  it("warns once the database passes 80 % of its limit", async () => {
    const { database_bytes: bytes } = await storageHealth(database(env.DB), Number.MAX_SAFE_INTEGER);

    const near = await storageHealth(database(env.DB), Math.floor(bytes / 0.9));

    expect(near.warning).toMatch(/of its \d+ MB limit; every write fails beyond it/);
  });
});
