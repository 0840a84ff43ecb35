/**
 * Write counters measured from outside the product: the bench entry hands every Durable Object (and the
 * Worker's fetch) a counting `env.DB` and a counting `ctx.storage`, so "D1 queries and rows written per point"
 * come from what the product actually asked of D1 and of its objects' SQLite storage, without a line of product
 * code knowing about it. The Worker and its objects share one isolate under workerd, so one set of module-level
 * counters sees them all (GET /__bench/counters reads them, POST resets).
 *
 * What is counted:
 * - D1: one round trip per `run`/`all`/`first`/`raw`/`batch`/`exec` call, its statements, and the sum of
 *   `meta.rows_written` of every result that carries meta (`run`, `all`, `batch`). `first` and `raw` answer
 *   without meta; the statements they ran are counted, their rows written are not (they read).
 * - Object storage: every `sql.exec` statement and its cursor's `rowsWritten` (read once the caller's synchronous
 *   code is done with the cursor), and every key written or deleted through the KV API (`kv.put`/`kv.delete`,
 *   `put`/`delete`, one row of the object's key-value table each).
 */

export interface WriteCounters {
  d1Calls: number;
  d1Statements: number;
  d1RowsWritten: number;
  /** Statements that ran through first()/raw(), whose rows written D1 does not report. */
  d1StatementsWithoutMeta: number;
  objectSqlStatements: number;
  objectSqlRowsWritten: number;
  objectKvRowsWritten: number;
  /** Durable Object instances constructed (each with counting storage). */
  objectsConstructed: number;
}

function zero(): WriteCounters {
  return {
    d1Calls: 0,
    d1Statements: 0,
    d1RowsWritten: 0,
    d1StatementsWithoutMeta: 0,
    objectSqlStatements: 0,
    objectSqlRowsWritten: 0,
    objectKvRowsWritten: 0,
    objectsConstructed: 0,
  };
}

let counters = zero();

export function readCounters(): WriteCounters {
  return { ...counters };
}

export function resetCounters(): WriteCounters {
  const before = counters;
  counters = zero();
  return before;
}

interface WithMeta {
  meta?: { rows_written?: number };
}

function rowsWrittenOf(result: unknown): number {
  const written = (result as WithMeta | null)?.meta?.rows_written;
  return typeof written === "number" ? written : 0;
}

/** Real statements behind the counting ones, for batch(). */
const realStatements = new WeakMap<object, D1PreparedStatement>();

function countedStatement(statement: D1PreparedStatement): D1PreparedStatement {
  const proxy = new Proxy(statement, {
    get(target, property) {
      if (property === "bind") {
        return (...values: unknown[]) => countedStatement(target.bind(...values));
      }
      if (property === "run" || property === "all") {
        return async (...args: unknown[]) => {
          counters.d1Calls += 1;
          counters.d1Statements += 1;
          const result: unknown = await (target[property] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          counters.d1RowsWritten += rowsWrittenOf(result);
          return result;
        };
      }
      if (property === "first" || property === "raw") {
        return async (...args: unknown[]) => {
          counters.d1Calls += 1;
          counters.d1Statements += 1;
          counters.d1StatementsWithoutMeta += 1;
          return (target[property] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  realStatements.set(proxy, statement);
  return proxy;
}

function real(statement: D1PreparedStatement): D1PreparedStatement {
  return realStatements.get(statement) ?? statement;
}

type D1Like = D1Database | D1DatabaseSession;

function countedDatabase<T extends D1Like>(db: T): T {
  return new Proxy(db, {
    get(target, property) {
      if (property === "prepare") return (query: string) => countedStatement(target.prepare(query));
      if (property === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          counters.d1Calls += 1;
          counters.d1Statements += statements.length;
          const results = await target.batch(statements.map(real));
          for (const result of results) counters.d1RowsWritten += rowsWrittenOf(result);
          return results;
        };
      }
      if (property === "exec" && "exec" in target) {
        return async (query: string) => {
          counters.d1Calls += 1;
          counters.d1Statements += 1;
          counters.d1StatementsWithoutMeta += 1;
          return (target as D1Database).exec(query);
        };
      }
      if (property === "withSession" && "withSession" in target) {
        return (...args: unknown[]) => countedDatabase((target as D1Database).withSession(...(args as [string | undefined])));
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function isD1(value: unknown): value is D1Database {
  return typeof value === "object" && value !== null && "prepare" in value && "batch" in value;
}

/** The same env with every D1 binding counted. */
export function countedEnv<E extends object>(env: E): E {
  const copy: Record<string, unknown> = { ...(env as Record<string, unknown>) };
  for (const [name, value] of Object.entries(copy)) if (isD1(value)) copy[name] = countedDatabase(value);
  return copy as E;
}

function countedSql(sql: SqlStorage): SqlStorage {
  return new Proxy(sql, {
    get(target, property) {
      if (property === "exec") {
        return (query: string, ...bindings: unknown[]) => {
          counters.objectSqlStatements += 1;
          const cursor = target.exec(query, ...bindings);
          // rowsWritten grows as the cursor is consumed: read it once the caller's synchronous code is done.
          queueMicrotask(() => (counters.objectSqlRowsWritten += cursor.rowsWritten));
          return cursor;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Keys a put/delete call writes: one argument key, an array of keys, or an object of entries. */
function keysIn(first: unknown): number {
  if (Array.isArray(first)) return first.length;
  if (typeof first === "object" && first !== null) return Object.keys(first).length;
  return 1;
}

function countingKeyWrites<T extends object>(store: T): T {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      const method = (value as (...a: unknown[]) => unknown).bind(target);
      if (property !== "put" && property !== "delete") return method;
      return (...args: unknown[]) => {
        counters.objectKvRowsWritten += keysIn(args[0]);
        return method(...args);
      };
    },
  });
}

function countedStorage(storage: DurableObjectStorage): DurableObjectStorage {
  const sql = "sql" in storage ? countedSql(storage.sql) : undefined;
  const kv = "kv" in storage && storage.kv ? countingKeyWrites(storage.kv as object) : undefined;
  const counted = countingKeyWrites(storage);
  return new Proxy(counted, {
    get(target, property) {
      if (property === "sql" && sql) return sql;
      if (property === "kv" && kv) return kv;
      return Reflect.get(target, property, target);
    },
  });
}

/**
 * Give the runtime's own state object counting storage. The state itself must stay the runtime's (the
 * DurableObject base class checks its type), so its `storage` is shadowed by an own property.
 */
export function countStorageOf(state: DurableObjectState): DurableObjectState {
  counters.objectsConstructed += 1;
  Object.defineProperty(state, "storage", { value: countedStorage(state.storage), configurable: true });
  return state;
}

type ObjectClass = new (state: DurableObjectState, env: never) => object;

/** A Durable Object class whose instances get counting storage and a counting env. */
export function counted<C extends ObjectClass>(Base: C): C {
  const Counted = class extends (Base as unknown as new (state: DurableObjectState, env: object) => object) {
    constructor(state: DurableObjectState, env: object) {
      super(countStorageOf(state), countedEnv(env));
    }
  };
  Object.defineProperty(Counted, "name", { value: Base.name });
  return Counted as unknown as C;
}
