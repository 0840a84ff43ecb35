/** D1 seen from a test: what a piece of code asked of it. */

/** A D1 binding that records the text of every statement prepared through it (batched ones included). */
export function recordingD1(db: D1Database, statements: string[]): D1Database {
  return new Proxy(db, {
    get(target, key) {
      if (key === "prepare") {
        return (query: string) => {
          statements.push(query);
          return target.prepare(query);
        };
      }
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
