/**
 * Secret hygiene: provider keys, sink credentials and API keys never appear in an answer, an error message, a
 * log line or a stored row, even when the party on the other side echoes them back.
 *
 * The test provider keys are the suite's bindings (vitest.config.ts). Each scenario drives the paths that could
 * surface a secret (provider errors whose request URL carries the key, providers echoing the key in their
 * bodies, /providers, /openapi.json, a failing sink, a refused API key) and then looks for every secret value in
 * what came out: response bodies, every console line printed meanwhile (Durable Objects print to the same
 * console, see the first test), every row of every D1 table, and error messages.
 */
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from "vitest";
import { symbolObject } from "../../src/objects/symbol";
import { createApp } from "../../src/app";
import { ConfigSchema, readConfig } from "../../src/env";
import { priceUpdated } from "../../src/events/price-events";
import { createSink } from "../../src/events/sinks";
import { alphaVantage } from "../../src/providers/alpha-vantage";
import { finnhub } from "../../src/providers/finnhub";
import { fetchQuotes, redactUrl } from "../../src/providers/http";
import type { Provider } from "../../src/providers/provider";
import { providerConfig } from "../../src/providers/registry";
import { database } from "../../src/store/db";
import { EventDelivery } from "../../src/symbol/delivery";
import { PointLog } from "../../src/symbol/point-log";
import { BASE, uniqueSymbol } from "../support/api";
import { fixtureServerUrl, serve, whenRequested } from "../support/scenario";

const ALPHA_VANTAGE_KEY = String(env.ALPHA_VANTAGE_API_KEY);
const FINNHUB_KEY = String(env.FINNHUB_API_KEY);
const API_KEYS = ["mds-key-one-4c1d9a", "mds-key-two-e07b55"];
const SINK = { user: "sink-user-b3f1", password: "sink-password-9d2e77", secret: "sink-api-secret-51aa0c" };

/** Every secret value of these tests, with what it is (for failure messages). */
const SECRETS: Record<string, string> = {
  ALPHA_VANTAGE_API_KEY: ALPHA_VANTAGE_KEY,
  FINNHUB_API_KEY: FINNHUB_KEY,
  "API_KEYS[0]": API_KEYS[0]!,
  "API_KEYS[1]": API_KEYS[1]!,
  "sink username / API key": SINK.user,
  "sink password / API secret": SINK.password,
  "sink API secret": SINK.secret,
  "sink Basic credentials": btoa(`${SINK.user}:${SINK.password}`),
  "sink Basic credentials (secret)": btoa(`${SINK.user}:${SINK.secret}`),
};

function expectNoSecret(where: string, text: string): void {
  for (const [name, value] of Object.entries(SECRETS)) {
    expect(text.includes(value), `${name} appears in ${where}: ${text.slice(0, 400)}`).toBe(false);
  }
}

// Everything printed while the tests run. Durable Objects run in the tests' isolate, so they print here too.
const printed: string[] = [];
const spies: MockInstance[] = [];

function render(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ""}`;
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

beforeAll(() => {
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    spies.push(vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map(render).join(" "))));
  }
  expect(ALPHA_VANTAGE_KEY.length, "the suite configures ALPHA_VANTAGE_API_KEY").toBeGreaterThan(8);
  expect(FINNHUB_KEY.length, "the suite configures FINNHUB_API_KEY").toBeGreaterThan(8);
});

afterAll(() => {
  for (const spy of spies) spy.mockRestore();
});

/** Every row of every table of the service's database, as text. */
async function everyStoredRow(): Promise<string> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'",
  ).all<{ name: string }>();
  expect(tables.results.map((table) => table.name)).toContain("raw_responses");
  const dumps = await Promise.all(
    tables.results.map(async ({ name }) => `${name}: ${JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results)}`),
  );
  return dumps.join("\n");
}

async function text(path: string, init?: RequestInit): Promise<{ status: number; body: string }> {
  const response = await SELF.fetch(`${BASE}${path}`, init);
  return { status: response.status, body: await response.text() };
}

/** A provider's answer, served by the fixture server for requests about `symbol` only. */
async function provide(symbol: string, response: { status?: number; json: unknown }): Promise<void> {
  await whenRequested({ match: `symbol=${symbol}&`, responses: [response] });
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome, "the call was expected to fail").toBeInstanceOf(Error);
  return outcome as Error;
}

describe("the console capture", () => {
  it("sees what a Durable Object prints (so 'no secret in the logs' is not vacuous)", async () => {
    const stub = symbolObject(env, { provider: "synthetic", symbol: uniqueSymbol("LOG") });
    await runInDurableObject(stub, () => console.warn("canary from a durable object"));
    expect(printed).toContain("canary from a durable object");
  });
});

describe("provider keys", () => {
  it("redactUrl hides every key-like query parameter and URL password", () => {
    const url = `https://user:${SINK.password}@example.com/q?symbol=AAPL&apikey=${ALPHA_VANTAGE_KEY}&token=${FINNHUB_KEY}&api_key=x1&access_token=x2`;

    const redacted = redactUrl(url);

    expectNoSecret("a redacted URL", redacted);
    expect(redacted).not.toMatch(/x1|x2/);
    expect(redacted).toContain("symbol=AAPL");
    expect(redacted).toContain("apikey=REDACTED");
    expect(redacted).toContain("token=REDACTED");
  });

  const providers: [Provider, "alpha_vantage" | "finnhub", string, (symbol: string, key: string) => unknown][] = [
    [alphaVantage, "alpha_vantage", ALPHA_VANTAGE_KEY, (symbol, key) => ({
      "Global Quote": { "01. symbol": symbol, "05. price": "101.5000", "07. latest trading day": "2024-03-20", "99. echo": `apikey=${key}` },
    })],
    [finnhub, "finnhub", FINNHUB_KEY, (_symbol, key) => ({ c: 101.5, t: 1_710_948_600, echo: `token=${key}` })],
  ];

  for (const [provider, name, key, quoteEchoingKey] of providers) {
    it(`${name}: a quote whose body echoes the key is stored with URL and body redacted`, async () => {
      const symbol = uniqueSymbol("SEC");
      await provide(symbol, { json: quoteEchoingKey(symbol, key) });

      const batch = await fetchQuotes(provider, [symbol], providerConfig(readConfig(env), name));

      expect(batch.quotes.get(symbol)?.price).toBe(101.5);
      expect(batch.raw?.url).toContain("=REDACTED");
      expect(batch.raw?.body).toContain("REDACTED");
      expectNoSecret("the raw response kept for storage", JSON.stringify(batch.raw));
    });

    it(`${name}: errors whose body echoes the key say so without the key`, async () => {
      const answers = [
        { status: 500, json: { error: `internal error serving apikey=${key}&token=${key}` } },
        { status: 401, json: { error: `Invalid API key ${key}` } },
        { status: 200, json: { "Error Message": `Invalid API call: apikey ${key} is not valid`, error: `bad token ${key}` } },
      ];
      for (const answer of answers) {
        const symbol = uniqueSymbol("SEC");
        await provide(symbol, answer);

        const error = await failureOf(fetchQuotes(provider, [symbol], providerConfig(readConfig(env), name)));

        expect(error.name, `HTTP ${answer.status}`).toBe("ApiError");
        expectNoSecret(`the error of an HTTP ${answer.status} answer`, `${error.message} ${JSON.stringify(error)}`);
      }
    });
  }

  it("finnhub through the worker: refusals and stored quotes hold no key, in answers, logs or D1", async () => {
    const refused = uniqueSymbol("SEC");
    const echoed = uniqueSymbol("SEC");
    await provide(refused, { status: 401, json: { error: `Invalid API key ${FINNHUB_KEY}` } });
    await provide(echoed, { json: { c: 55.5, t: 1_710_948_600, echo: `token=${FINNHUB_KEY}` } });

    const refusal = await text(`/prices/latest?symbol=${refused}&provider=finnhub&max_age=0`);
    const quote = await text(`/prices/latest?symbol=${echoed}&provider=finnhub&max_age=0`);

    expect(refusal.status).toBe(502);
    expect(JSON.parse(refusal.body)).toMatchObject({ error: { code: "provider_error", provider: "finnhub" } });
    expect(quote.status).toBe(200);
    expectNoSecret("the refusal", refusal.body);
    expectNoSecret("the quote", quote.body);
    const stored = await env.DB.prepare("SELECT url, body FROM raw_responses WHERE symbols = ?").bind(echoed).first<{ url: string; body: string }>();
    expect(stored?.url).toContain("token=REDACTED");
    expectNoSecret("D1", await everyStoredRow());
    expectNoSecret("the logs", printed.join("\n"));
  });

  it("/providers says which providers are configured, never with what", async () => {
    const providers = await text("/providers");

    expect(providers.status).toBe(200);
    expect(JSON.parse(providers.body)).toMatchObject({
      providers: expect.arrayContaining([
        expect.objectContaining({ name: "alpha_vantage", configured: true }),
        expect.objectContaining({ name: "finnhub", configured: true }),
      ]),
    });
    expectNoSecret("/providers", providers.body);
  });

  it("/openapi.json, /docs and /health hold no secret", async () => {
    for (const path of ["/openapi.json", "/docs", "/health"]) {
      const answer = await text(path);
      expect(answer.status, path).toBe(200);
      expectNoSecret(path, answer.body);
    }
  });
});

describe("sink credentials", () => {
  // Each broker holds a username/key and a password/secret; a hostile or careless one echoes both, and the
  // Basic credentials it was sent, in its error answer.
  const brokers = [
    {
      sink: "upstash",
      settings: { UPSTASH_KAFKA_REST_USERNAME: SINK.user, UPSTASH_KAFKA_REST_PASSWORD: SINK.password },
      url: "UPSTASH_KAFKA_REST_URL",
      held: [SINK.user, SINK.password],
    },
    {
      sink: "kafka-rest",
      settings: { KAFKA_REST_CLUSTER_ID: "cluster-1", KAFKA_REST_API_KEY: SINK.user, KAFKA_REST_API_SECRET: SINK.secret },
      url: "KAFKA_REST_URL",
      held: [SINK.user, SINK.secret],
    },
    {
      sink: "kafka-rest-v2",
      settings: { KAFKA_REST_API_KEY: SINK.user, KAFKA_REST_API_SECRET: SINK.secret },
      url: "KAFKA_REST_URL",
      held: [SINK.user, SINK.secret],
    },
  ];

  for (const broker of brokers) {
    it(`${broker.sink}: a broker that echoes the credentials fails delivery without them, in the error and in what the outbox logs and stores`, async () => {
      const [user, password] = broker.held as [string, string];
      const echo = `user ${user} password ${password} basic ${btoa(`${user}:${password}`)}`;
      const { baseUrl } = await serve({ status: 401, json: { error_code: 40101, message: echo, error: echo, status: 401 } });
      const config = ConfigSchema.parse({ EVENT_SINK: broker.sink, ...broker.settings, [broker.url]: baseUrl });
      const target = { provider: "synthetic" as const, symbol: uniqueSymbol("SNK") };
      const event = priceUpdated({ ...target, price: 10, timestamp: Date.now() }, "raw-secrets-test");

      const error = await failureOf(createSink(config).publish([event]));

      expect(error.name).toBe("SinkError");
      expect(error.message).toContain("401");
      expect(error.message, "the broker's words are kept, minus the credentials").toContain("REDACTED");
      expectNoSecret("the sink error", error.message);
      // The same failure through a symbol object's delivery: it keeps the event, logs and records the failure.
      const stub = env.SYMBOL_OBJECT.get(env.SYMBOL_OBJECT.newUniqueId());
      await runInDurableObject(stub, async (_instance, state) => {
        const log = new PointLog(state.storage.sql, state.storage.kv);
        log.append({ timestamp: Date.now(), event: JSON.stringify(event), point: null, raw: null, loggedAt: Date.now() });
        const delivery = new EventDelivery({ log, kv: state.storage.kv, db: database(env.DB), sink: () => createSink(config), countQuery: () => undefined });
        delivery.eventsCommitted(Date.now());
        await delivery.deliverDue(target, Date.now() + 1_000);
        expect(log.undelivered).toBe(1);
      });
      expect(printed.some((line) => line.includes(target.symbol) && line.includes("401"))).toBe(true);
      expectNoSecret("the console", printed.join("\n"));
      expectNoSecret("the stored rows", await everyStoredRow());
    });
  }

  it("an incomplete or invalid sink configuration names the setting, never its value", async () => {
    const attempts = [
      { EVENT_SINK: "kafka-rest-v2", KAFKA_REST_URL: `${fixtureServerUrl()}/k`, KAFKA_REST_API_KEY: SINK.user },
      { EVENT_SINK: "kafka-rest-v2", KAFKA_REST_URL: `${fixtureServerUrl()}/k`, KAFKA_REST_API_SECRET: SINK.secret },
      { EVENT_SINK: "upstash", UPSTASH_KAFKA_REST_URL: `not a url ${SINK.password}`, UPSTASH_KAFKA_REST_USERNAME: SINK.user, UPSTASH_KAFKA_REST_PASSWORD: SINK.password },
    ];
    for (const settings of attempts) {
      const error = await failureOf(Promise.resolve().then(() => createSink(ConfigSchema.parse(settings))));
      expect(error.message).toMatch(/KAFKA_REST_API_(KEY|SECRET)|UPSTASH_KAFKA_REST_URL/);
      expectNoSecret(`the configuration error for ${settings.EVENT_SINK}`, error.message);
    }
  });
});

describe("API keys", () => {
  const app = createApp();
  const withKeys = { ...env, API_KEYS: API_KEYS.join(","), API_KEYS_READ: "true" };

  it("a refused key is not echoed, nor are the configured ones, on any route", async () => {
    const presented = [API_KEYS[0]!.slice(0, -1), `${API_KEYS[0]}x`, API_KEYS.join(","), "guess-0001"];
    for (const token of presented) {
      for (const [method, path] of [["POST", `/poll/${uniqueSymbol("KEY")}`], ["GET", "/providers"], ["DELETE", "/prices/poll/x"]] as const) {
        const response = await app.request(`${BASE}${path}`, { method, headers: { authorization: `Bearer ${token}` } }, withKeys);
        const body = await response.text();

        expect(response.status, `${method} ${path}`).toBe(401);
        expect(body.includes(token), `the presented token in ${body}`).toBe(false);
        expectNoSecret(`${method} ${path} refused`, `${body} ${JSON.stringify([...response.headers])}`);
      }
    }
  });

  it("answers to a valid key (/providers, /openapi.json, /health) hold no key", async () => {
    for (const path of ["/providers", "/openapi.json", "/health"]) {
      const response = await app.request(`${BASE}${path}`, { headers: { authorization: `Bearer ${API_KEYS[1]}` } }, withKeys);

      expect(response.status, path).toBe(200);
      expectNoSecret(path, await response.text());
    }
  });

  it("nothing printed during the whole file holds a secret", () => {
    expect(printed.length, "the capture saw the canary at least").toBeGreaterThan(0);
    expectNoSecret("the logs", printed.join("\n"));
  });
});
