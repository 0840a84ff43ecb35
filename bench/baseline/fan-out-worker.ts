/**
 * The write path's ceiling on this platform, for the shape "one writer per symbol, many symbols per provider
 * request": a coordinator object calls N writer objects in parallel, each inserting one row into its own
 * SQLite storage, then writes the N rows to D1 in one batch. Nothing else: no outbox, no events, no validation.
 * Beside it, the same rows as bulk D1 batches straight from the Worker (no objects at all).
 *
 * Run by its own `wrangler dev` (the runner writes its config); timed inside workerd.
 */
import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";

interface Env {
  DB: D1Database;
  COORDINATOR: DurableObjectNamespace<Coordinator>;
  WRITER: DurableObjectNamespace<Writer>;
}

interface Row {
  symbol: string;
  ts: number;
  price: number;
}

/** The product's price_points shape, so the D1 rows cost what the product's do. */
const CREATE_TABLE = [
  `CREATE TABLE IF NOT EXISTS price_points (id INTEGER PRIMARY KEY AUTOINCREMENT, symbol TEXT NOT NULL, provider TEXT NOT NULL,
     ts INTEGER NOT NULL, price REAL NOT NULL, raw_response_id TEXT NOT NULL, event_id TEXT, created_at INTEGER NOT NULL)`,
  "CREATE UNIQUE INDEX IF NOT EXISTS price_points_symbol_provider_ts ON price_points (symbol, provider, ts)",
];

const INSERT =
  "INSERT INTO price_points (symbol, provider, ts, price, raw_response_id, event_id, created_at) VALUES (?, 'binance', ?, ?, 'baseline', ?, ?) ON CONFLICT DO NOTHING";

function d1Batch(db: D1Database, rows: readonly Row[], eventPrefix: string): Promise<D1Result[]> {
  const statement = db.prepare(INSERT);
  const now = Date.now();
  return db.batch(rows.map((row, index) => statement.bind(row.symbol, row.ts, row.price, `${eventPrefix}-${index}`, now)));
}

export class Writer extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS points (ts INTEGER PRIMARY KEY, price REAL NOT NULL)");
  }

  write(symbol: string, ts: number, price: number): Row {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO points (ts, price) VALUES (?, ?)", ts, price);
    return { symbol, ts, price };
  }
}

export interface RoundTiming {
  objectsMs: number;
  d1Ms: number;
  totalMs: number;
}

export class Coordinator extends DurableObject<Env> {
  async round(objects: number, ts: number): Promise<RoundTiming> {
    const startedAt = performance.now();
    const rows = await Promise.all(
      Array.from({ length: objects }, (_, index) => {
        const symbol = `FAN${index}`;
        return this.env.WRITER.get(this.env.WRITER.idFromName(symbol)).write(symbol, ts, 100 + index / 100);
      }),
    );
    const objectsDone = performance.now();
    await d1Batch(this.env.DB, rows, `fan-${ts}`);
    const done = performance.now();
    return { objectsMs: objectsDone - startedAt, d1Ms: done - objectsDone, totalMs: done - startedAt };
  }
}

interface RunRequest {
  objects: number;
  rounds: number;
  firstTimestamp: number;
}

const app = new Hono<{ Bindings: Env }>();

app.post("/setup", async (c) => {
  for (const statement of CREATE_TABLE) await c.env.DB.prepare(statement).run();
  return c.json({ ok: true });
});

// Rounds one after another, as a poll loop runs them; each round's N points through N objects, then D1.
app.post("/fan-out", async (c) => {
  const request = await c.req.json<RunRequest>();
  const coordinator = c.env.COORDINATOR.get(c.env.COORDINATOR.idFromName("coordinator"));
  const rounds: RoundTiming[] = [];
  for (let round = 0; round < request.rounds; round++) rounds.push(await coordinator.round(request.objects, request.firstTimestamp + round * 1000));
  return c.json({ rounds });
});

// The same rows, no objects: each round's N rows as one D1 batch from the Worker.
app.post("/bulk", async (c) => {
  const request = await c.req.json<RunRequest>();
  const rounds: RoundTiming[] = [];
  for (let round = 0; round < request.rounds; round++) {
    const ts = request.firstTimestamp + round * 1000;
    const rows = Array.from({ length: request.objects }, (_, index) => ({ symbol: `BULK${index}`, ts, price: 100 + index / 100 }));
    const startedAt = performance.now();
    await d1Batch(c.env.DB, rows, `bulk-${ts}`);
    const elapsed = performance.now() - startedAt;
    rounds.push({ objectsMs: 0, d1Ms: elapsed, totalMs: elapsed });
  }
  return c.json({ rounds });
});

export default app;
