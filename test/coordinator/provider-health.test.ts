import { describe, expect, it } from "vitest";
import { call, uniqueSymbol } from "../support/api";
import { eventually, job, startJob, stopJob } from "../support/jobs";
import { whenRequested } from "../support/scenario";

const BINANCE_INVALID_SYMBOL = "binance/error_invalid_symbol_doc_example.json";

interface HealthRow {
  status: string;
  consecutive_failures: number;
}

async function binanceHealth(): Promise<HealthRow> {
  const answer = await call<{ providers: { name: string; health: HealthRow | null }[] }>("/providers");
  return answer.body.providers.find((provider) => provider.name === "binance")!.health!;
}

describe("a provider's health, as batch rounds report it", () => {
  it("counts an unknown symbol against its job, never against Binance", async () => {
    const unknown = uniqueSymbol("U");
    await whenRequested({ match: `/binance/api/v3/ticker/price?symbol=${unknown}`, responses: [{ fixture: BINANCE_INVALID_SYMBOL }] });
    const id = await startJob({ symbols: [unknown], interval: 1, provider: "binance" });

    // Three failures in a row would make a provider "failing": wait for more rounds than that.
    await eventually(async () => expect((await job(id)).errors).toBeGreaterThanOrEqual(4));
    expect(await job(id)).toMatchObject({ last_error: expect.stringContaining("symbol_not_found") });
    const health = await binanceHealth();
    expect(health.status).not.toBe("failing");
    expect(health.consecutive_failures).toBe(0);
    await stopJob(id);
  });
});
