/**
 * The HTTP case's ceiling: a Worker of its own, nothing but Hono and one route answering constant JSON, run by
 * its own `wrangler dev` on the same wrangler/workerd as the service. The runner sets the constant to a copy
 * of a real /prices/latest body (PUT /x) so both send the same bytes.
 */
import { Hono } from "hono";

let constant: unknown = { symbol: "BENCH", price: 181.4532, timestamp: "2024-03-20T15:30:00.000Z", provider: "synthetic" };

const app = new Hono();
app.get("/x", (c) => c.json(constant));
app.put("/x", async (c) => {
  constant = await c.req.json();
  return c.json({ bytes: JSON.stringify(constant).length });
});

export default app;
