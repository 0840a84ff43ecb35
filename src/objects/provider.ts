import type { Env } from "../env";
import type { ProviderName } from "../providers/provider";

/**
 * src/objects/ owns how callers reach the Durable Objects: each object's address and a typed client that binds its target once,
 * and the Outcome that carries a result or an error across RPC (src/objects/outcome.ts). Living apart from the
 * objects themselves, these let the coordinator, the symbol object, jobs, routes and tests call each other
 * without their folders importing each other, and without anyone spelling an object's name by hand.
 */

/** The one coordinator object per provider: budget, health and batch rounds. */
export function providerObject(env: Env, provider: ProviderName) {
  return env.PROVIDER_OBJECT.get(env.PROVIDER_OBJECT.idFromName(`provider:${provider}`));
}

type ProviderStub = ReturnType<typeof providerObject>;
/** A stub method's arguments after the provider it is bound to. */
type After<F> = F extends (provider: ProviderName, ...rest: infer A) => unknown ? A : never;

/** A provider's coordinator, bound to that provider. */
export function providerClient(env: Env, provider: ProviderName) {
  const stub = providerObject(env, provider);
  return {
    acquire: () => stub.acquire(provider),
    report: (...args: After<ProviderStub["report"]>) => stub.report(provider, ...args),
    available: () => stub.available(provider),
    status: () => stub.status(provider),
    subscribe: (...args: After<ProviderStub["subscribe"]>) => stub.subscribe(provider, ...args),
    unsubscribe: (...args: After<ProviderStub["unsubscribe"]>) => stub.unsubscribe(provider, ...args),
  };
}

export type ProviderClient = ReturnType<typeof providerClient>;
