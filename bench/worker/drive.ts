/** Running many small awaited operations with a fixed number in flight, timed inside workerd. */

export interface Drive {
  /** Operations started. */
  operations: number;
  /** Operations that threw. */
  failures: number;
  firstError?: string;
  elapsedMs: number;
}

/**
 * Call `operation(symbol, index)` for index 0..perSymbol-1 of every symbol: all symbols at once, `concurrency`
 * calls in flight per symbol. Time advances in workerd only across I/O, which every operation here does.
 */
export async function drivePerSymbol(
  symbols: readonly string[],
  perSymbol: number,
  concurrency: number,
  operation: (symbol: string, index: number) => Promise<void>,
): Promise<Drive> {
  const drive: Drive = { operations: 0, failures: 0, elapsedMs: 0 };
  const startedAt = performance.now();
  await Promise.all(symbols.map((symbol) => driveOne(symbol, perSymbol, concurrency, operation, drive)));
  drive.elapsedMs = performance.now() - startedAt;
  return drive;
}

async function driveOne(
  symbol: string,
  perSymbol: number,
  concurrency: number,
  operation: (symbol: string, index: number) => Promise<void>,
  drive: Drive,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < perSymbol) {
      const index = next++;
      drive.operations += 1;
      try {
        await operation(symbol, index);
      } catch (error) {
        drive.failures += 1;
        drive.firstError ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
}
