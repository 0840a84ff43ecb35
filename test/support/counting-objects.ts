/** Durable Object namespaces for tests that count what the code under test costs in object calls. */

interface ObjectNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): object;
}

/** The real objects of `real`, with every call to `method` on them counted. */
export function countingCalls<Namespace extends ObjectNamespace>(real: Namespace, method: string): { namespace: Namespace; calls: () => number } {
  let calls = 0;
  const namespace = {
    idFromName: (name: string) => real.idFromName(name),
    get: (id: DurableObjectId) =>
      new Proxy(real.get(id), {
        get(stub, property) {
          const value: unknown = Reflect.get(stub, property);
          if (property !== method || typeof value !== "function") return value;
          return (...args: unknown[]) => {
            calls++;
            return Reflect.apply(value, stub, args);
          };
        },
      }),
  };
  return { namespace: namespace as unknown as Namespace, calls: () => calls };
}
