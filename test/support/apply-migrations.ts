import { applyD1Migrations, env } from "cloudflare:test";

// Idempotent: applied migrations are recorded, so every test file may call this.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
