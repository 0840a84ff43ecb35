import { describe, expect, it } from "vitest";
import { providerHealth, uniqueSymbol } from "../support/api";
import { eventually, job, startJob, stopJob } from "../support/jobs";
import { whenRequested } from "../support/scenario";

const BINANCE_INVALID_SYMBOL = "binance/error_invalid_symbol_doc_example.json";

describe("a provider's health, as batch rounds report it", () => {
  it("counts an unknown symbol against its job, never against Binance", async () => {
    // Four jobs of one unknown symbol each: four answers "unknown" in a row, and three failures in a row would
    // make a provider "failing".
    const unknown = Array.from({ length: 4 }, () => uniqueSymbol("U"));
    for (const symbol of unknown) {
      // Any request naming it, alone or in a batch, is rejected as Binance does.
      await whenRequested({ match: symbol, responses: [{ fixture: BINANCE_INVALID_SYMBOL }] });
    }
    const ids = [];
    for (const symbol of unknown) ids.push(await startJob({ symbols: [symbol], interval: 1, provider: "binance" }));

    for (const id of ids) {
      await eventually(async () => expect(await job(id)).toMatchObject({ errors: 1, last_error: expect.stringContaining("symbol_not_found") }));
    }
    const health = await providerHealth("binance");
    expect(health.status).not.toBe("failing");
    expect(health.consecutive_failures).toBe(0);
    for (const id of ids) await stopJob(id);
  });
});
