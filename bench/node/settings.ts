/** How much each case does: `--quick` (under a minute, for development) or the full run (minutes). */

export interface Settings {
  mode: "quick" | "full";
  /** Also build the minified bundle, for comparison (not in quick mode). */
  minifiedBundle: boolean;
  /** Cases to run (all unless --only=a,b names some). */
  only: ReadonlySet<string> | undefined;
  http: { connections: number; durationSeconds: number; warmupSeconds: number; rounds: number };
  movingAverage: { historySizes: readonly number[]; window: number; samples: number };
  fanOut: { symbols: number; delayMs: number; timeoutMs: number };
  stream: { clients: readonly number[]; seconds: number; jobSymbols: number; warmupMs: number };
  writeBaselines: { objects: readonly number[]; rounds: number };
  sustained: { symbols: readonly number[]; seconds: number; warmupSeconds: number; profileSeconds: number; drainSeconds: number; delayMs: number };
  bars: { historySizes: readonly number[]; samples: number };
}

export const CASE_NAMES = ["bundle", "http", "write-baselines", "sustained", "moving-average", "stream", "bars", "fan-out"] as const;
export type CaseName = (typeof CASE_NAMES)[number];

const QUICK: Omit<Settings, "only"> = {
  mode: "quick",
  minifiedBundle: false,
  http: { connections: 16, durationSeconds: 1, warmupSeconds: 1, rounds: 2 },
  movingAverage: { historySizes: [1_000, 100_000], window: 50, samples: 60 },
  fanOut: { symbols: 200, delayMs: 50, timeoutMs: 30_000 },
  stream: { clients: [20], seconds: 2, jobSymbols: 5, warmupMs: 1_000 },
  writeBaselines: { objects: [100], rounds: 3 },
  sustained: { symbols: [50], seconds: 8, warmupSeconds: 3, profileSeconds: 3, drainSeconds: 20, delayMs: 50 },
  bars: { historySizes: [1_000, 100_000], samples: 60 },
};

const FULL: Omit<Settings, "only"> = {
  mode: "full",
  minifiedBundle: true,
  http: { connections: 32, durationSeconds: 3, warmupSeconds: 2, rounds: 5 },
  movingAverage: { historySizes: [1_000, 100_000, 1_000_000], window: 50, samples: 500 },
  fanOut: { symbols: 500, delayMs: 50, timeoutMs: 90_000 },
  stream: { clients: [200, 1_000], seconds: 10, jobSymbols: 50, warmupMs: 3_000 },
  writeBaselines: { objects: [1_000], rounds: 5 },
  sustained: { symbols: [500, 1_000], seconds: 60, warmupSeconds: 5, profileSeconds: 6, drainSeconds: 40, delayMs: 50 },
  bars: { historySizes: [1_000, 1_000_000], samples: 500 },
};

export function parseSettings(argv: readonly string[]): Settings {
  const quick = argv.includes("--quick");
  const onlyArg = argv.find((arg) => arg.startsWith("--only="));
  const only = onlyArg ? new Set(onlyArg.slice("--only=".length).split(",").filter(Boolean)) : undefined;
  for (const name of only ?? []) {
    if (!(CASE_NAMES as readonly string[]).includes(name)) throw new Error(`unknown case ${name}; cases: ${CASE_NAMES.join(", ")}`);
  }
  return { ...(quick ? QUICK : FULL), only };
}

export function shouldRun(settings: Settings, name: CaseName): boolean {
  return settings.only === undefined || settings.only.has(name);
}
