import type { Env } from "../env";
import type { SymbolTarget } from "../providers/provider";
import { settled } from "./outcome";

/** DESIGN.md: one object per "<provider>:<symbol>". */
export function symbolObjectName(target: SymbolTarget): string {
  return `${target.provider}:${target.symbol}`;
}

/** The stub of the single writer for this (provider, symbol). */
export function symbolObject(env: Env, target: SymbolTarget) {
  return env.SYMBOL_OBJECT.get(env.SYMBOL_OBJECT.idFromName(symbolObjectName(target)));
}

type SymbolStub = ReturnType<typeof symbolObject>;
/** A stub method's arguments after the target it is bound to. */
type After<F> = F extends (target: SymbolTarget, ...rest: infer A) => unknown ? A : never;

/**
 * The single writer of one (provider, symbol), bound to it; results that cross RPC as an Outcome come back
 * with both branches typed (settled).
 */
export function symbolClient(env: Env, target: SymbolTarget) {
  const stub = symbolObject(env, target);
  return {
    stub,
    latest: async (...args: After<SymbolStub["latest"]>) => settled(await stub.latest(target, ...args)),
    poll: async () => settled(await stub.poll(target)),
    stored: () => stub.stored(target),
    ingest: async (...args: After<SymbolStub["ingest"]>) => settled(await stub.ingest(target, ...args)),
    movingAverage: async (...args: After<SymbolStub["movingAverage"]>) => settled(await stub.movingAverage(target, ...args)),
    subscribe: (...args: After<SymbolStub["subscribe"]>) => stub.subscribe(target, ...args),
    unsubscribe: (...args: After<SymbolStub["unsubscribe"]>) => stub.unsubscribe(target, ...args),
    confirmLent: (...args: After<SymbolStub["confirmLent"]>) => stub.confirmLent(target, ...args),
    returnLent: (...args: After<SymbolStub["returnLent"]>) => stub.returnLent(target, ...args),
  };
}
