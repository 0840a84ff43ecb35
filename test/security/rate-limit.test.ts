/**
 * Per-client rate limits (RATE_LIMIT_PER_MINUTE): a token bucket per client, kept by one RateLimitObject per
 * client; over the limit, 429 `rate_limited` with Retry-After.
 *
 * The suite runs with the limit off (vitest.config.ts: every test client would share one budget), so these
 * tests build the app with createApp() and hand it the suite's env with the limit on:
 * `app.request(url, init, { ...env, RATE_LIMIT_PER_MINUTE: "3" })`. The limiter objects are the real ones.
 * Every test uses client addresses of its own, so budgets never carry over between tests.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { clientId, clientNetwork } from "../../src/access/rate-limit";
import { decide, decideMany, remainingAt, WINDOW_MS, type RateLimitObject, type Tat } from "../../src/access/rate-limit-object";
import { createApp } from "../../src/app";
import { ConfigSchema, type Env } from "../../src/env";
import { BASE } from "../support/api";
import { countingCalls } from "../support/counting-objects";

const app = createApp();
const KEYS = ["rl-key-one-0f3c", "rl-key-two-a9d2"];

afterEach(() => {
  vi.restoreAllMocks();
});

/** An address no other test uses. */
function freshIpV4(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(3));
  return `10.${bytes[0]}.${bytes[1]}.${bytes[2]}`;
}

/** The first three groups of an IPv6 address no other test uses (the fourth completes its /64). */
function freshIpV6Prefix(): string {
  const groups = [...crypto.getRandomValues(new Uint16Array(2))].map((group) => group.toString(16));
  return `2001:${groups.join(":")}`;
}

interface Hit {
  status: number;
  retryAfter: string | null;
  body: unknown;
}

async function hit(
  settings: Record<string, string | Env["RATE_LIMIT_OBJECT"]>,
  headers: Record<string, string>,
  path = "/health",
): Promise<Hit> {
  const response = await app.request(`${BASE}${path}`, { headers }, { ...env, RATE_LIMIT_PER_MINUTE: "3", ...settings });
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: JSON.parse(await response.text()) };
}

async function statuses(count: number, headers: Record<string, string>, settings: Record<string, string> = {}): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await hit(settings, headers)).status);
  return seen;
}

describe("the token bucket (decide), as properties", () => {
  const perMinute = fc.integer({ min: 1, max: 1_000 });
  const start = fc.integer({ min: 0, max: 2 ** 42 }); // Date.now() is about 2 ** 40.7

  /** Feeds requests at `times` through decide; returns what happened to each. */
  function replay(limit: number, times: readonly number[]) {
    let tat: Tat | undefined;
    return times.map((now) => {
      const decision = decide(tat, now, limit);
      const before = tat;
      tat = decision.tat;
      return { now, before, ...decision.admission };
    });
  }

  it("admits a burst of exactly perMinute requests at once, then refuses", () => {
    fc.assert(
      fc.property(perMinute, start, (limit, now) => {
        const outcomes = replay(limit, Array.from({ length: limit + 1 }, () => now));
        expect(outcomes.slice(0, limit).every((outcome) => outcome.allowed)).toBe(true);
        expect(outcomes[limit]?.allowed).toBe(false);
      }),
    );
  });

  it("never admits more than perMinute × (1 + span / 1 min) requests in any span of time", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        start,
        fc.array(fc.integer({ min: 0, max: 4_000 }), { minLength: 1, maxLength: 250 }),
        (limit, first, gaps) => {
          let now = first;
          const times = gaps.map((gap) => (now += gap));
          const admitted = replay(limit, times).filter((outcome) => outcome.allowed).map((outcome) => outcome.now);
          for (let i = 0; i < admitted.length; i++) {
            for (let j = i; j < admitted.length; j++) {
              const span = admitted[j]! - admitted[i]!;
              // count <= limit × (1 + span / window), in integers
              expect((j - i + 1) * WINDOW_MS).toBeLessThanOrEqual(limit * (WINDOW_MS + span));
            }
          }
        },
      ),
    );
  });

  it("never refuses a client that keeps to the rate", () => {
    fc.assert(
      fc.property(perMinute, start, fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 200 }), (limit, first, extra) => {
        const interval = WINDOW_MS / limit;
        let now = first;
        const times = extra.map((gap) => (now += Math.ceil(interval) + gap));
        expect(replay(limit, times).every((outcome) => outcome.allowed)).toBe(true);
      }),
    );
  });

  it("Retry-After is the least whole number of seconds after which the same client is admitted (1..60)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        start,
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 300 }),
        (limit, first, gaps) => {
          let now = first;
          const times = gaps.map((gap) => (now += gap));
          for (const refused of replay(limit, times).filter((outcome) => !outcome.allowed)) {
            const wait = refused.retryAfterSeconds;
            expect(wait).toBeGreaterThanOrEqual(1);
            expect(wait).toBeLessThanOrEqual(60);
            expect(decide(refused.before, refused.now + wait * 1000, limit).admission.allowed).toBe(true);
            if (wait > 1) expect(decide(refused.before, refused.now + (wait - 1) * 1000, limit).admission.allowed).toBe(false);
          }
        },
      ),
    );
  });

  it("a refusal costs the client nothing: its bucket is left as it was", () => {
    fc.assert(
      fc.property(perMinute, start, (limit, now) => {
        const full: Tat = { ms: now + WINDOW_MS, part: 0, perMinute: limit };
        const refused = decide(full, now, limit);
        expect(refused.admission.allowed).toBe(false);
        expect(refused.tat).toBe(full);
      }),
    );
  });
});

describe("who a client is", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002:ffff::9", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["::ffff:198.51.100.4", "198.51.100.4"],
    ["2001:DB8:1:2::1", "2001:db8:1:2::/64"],
  ])("%s counts as %s", (address, network) => {
    expect(clientNetwork(address)).toBe(network);
  });

  it("is its valid key's digest, else its network, else (no usable address) the shared 'unknown'", async () => {
    const config = ConfigSchema.parse({ API_KEYS: KEYS.join(",") });
    const request = (headers: Record<string, string>) => new Request(`${BASE}/health`, { headers });

    const byKey = await clientId(request({ authorization: `Bearer ${KEYS[0]}`, "cf-connecting-ip": "203.0.113.7" }), config);

    expect(byKey).toMatch(/^key:[0-9a-f]{64}$/);
    expect(byKey).not.toContain(KEYS[0]);
    expect(await clientId(request({ authorization: "Bearer nope", "cf-connecting-ip": "203.0.113.7" }), config)).toBe("ip:203.0.113.7");
    expect(await clientId(request({ "cf-connecting-ip": "../../etc/passwd" }), config)).toBe("ip:unknown");
    expect(await clientId(request({}), config)).toBe("ip:unknown");
  });
});

describe("429 rate_limited through the app", () => {
  it("the request past the budget gets 429 with the API's error JSON and Retry-After", async () => {
    const client = { "cf-connecting-ip": freshIpV4() };

    expect(await statuses(3, client)).toEqual([200, 200, 200]);
    const refused = await hit({}, client);

    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { code: "rate_limited", message: expect.stringContaining("3 a minute") } });
    const seconds = Number(refused.retryAfter);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(refused.body).toMatchObject({ error: { retry_after: seconds } });
  });

  it("applies to every route, writes, reads and unknown ones alike", async () => {
    const client = { "cf-connecting-ip": freshIpV4() };
    await statuses(3, client);

    for (const path of ["/providers", "/prices/latest?symbol=AAPL&provider=synthetic", "/no/such/route"]) {
      expect((await hit({}, client, path)).status, path).toBe(429);
    }
  });

  it("every client has a budget of its own; an IPv6 client's is its /64", async () => {
    const prefix = freshIpV6Prefix();
    const exhausted = { "cf-connecting-ip": `${prefix}:1::1` };
    await statuses(3, exhausted);

    expect((await hit({}, { "cf-connecting-ip": `${prefix}:1:ffff:0:9` })).status, "same /64").toBe(429);
    expect((await hit({}, { "cf-connecting-ip": `${prefix}:2::1` })).status, "next /64").toBe(200);
    expect((await hit({}, { "cf-connecting-ip": freshIpV4() })).status, "another address").toBe(200);
  });

  it("a valid API key is one client wherever it calls from; other keys are other clients", async () => {
    const keys = { API_KEYS: KEYS.join(",") };
    const first = { authorization: `Bearer ${KEYS[0]}` };
    const fromEverywhere = () => ({ ...first, "cf-connecting-ip": freshIpV4() });

    for (let i = 0; i < 3; i++) expect((await hit(keys, fromEverywhere())).status).toBe(200);

    expect((await hit(keys, fromEverywhere())).status, "same key, new address").toBe(429);
    expect((await hit(keys, { authorization: `Bearer ${KEYS[1]}`, "cf-connecting-ip": freshIpV4() })).status, "other key").toBe(200);
  });

  it("a token that is not a key buys no fresh budget: the client is its address", async () => {
    const address = freshIpV4();
    const randomToken = () => ({ authorization: `Bearer ${crypto.randomUUID()}`, "cf-connecting-ip": address });

    for (let i = 0; i < 3; i++) expect((await hit({ API_KEYS: KEYS.join(",") }, randomToken())).status).toBe(200);

    expect((await hit({ API_KEYS: KEYS.join(",") }, randomToken())).status).toBe(429);
  });

  it("RATE_LIMIT_PER_MINUTE=0 switches the limit off", async () => {
    const client = { "cf-connecting-ip": freshIpV4() };

    expect(await statuses(8, client, { RATE_LIMIT_PER_MINUTE: "0" })).toEqual(Array(8).fill(200));
    expect(await statuses(4, client, { RATE_LIMIT_PER_MINUTE: "3" })).toEqual([200, 200, 200, 429]);
  });

  it("RATE_LIMIT_PER_MINUTE is a whole number (text or TOML number), 600 by default; an empty value is an error, not a silent 0", () => {
    expect(ConfigSchema.parse({}).RATE_LIMIT_PER_MINUTE).toBe(600);
    expect(ConfigSchema.parse({ RATE_LIMIT_PER_MINUTE: "0" }).RATE_LIMIT_PER_MINUTE).toBe(0);
    expect(ConfigSchema.parse({ RATE_LIMIT_PER_MINUTE: 120 }).RATE_LIMIT_PER_MINUTE).toBe(120);
    for (const bad of ["", " ", "-1", "1.5", "ten"]) {
      expect(ConfigSchema.safeParse({ RATE_LIMIT_PER_MINUTE: bad }).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe("when the limiter itself fails", () => {
  function failingLimiter(error: Error): Env["RATE_LIMIT_OBJECT"] {
    const namespace = {
      idFromName: (name: string) => env.RATE_LIMIT_OBJECT.idFromName(name),
      get: () => ({ admit: () => Promise.reject(error) }),
    };
    return namespace as unknown as Env["RATE_LIMIT_OBJECT"];
  }

  it("a broken limiter lets the request through (and says so in the log)", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);

    const answer = await hit({ RATE_LIMIT_OBJECT: failingLimiter(new Error("storage is down")) }, { "cf-connecting-ip": freshIpV4() });

    expect(answer.status).toBe(200);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("the limiter failed"));
  });

  it("an overloaded limiter (one client flooding its own object) answers 429", async () => {
    const overloaded = Object.assign(new Error("Durable Object is overloaded"), { overloaded: true });

    const answer = await hit({ RATE_LIMIT_OBJECT: failingLimiter(overloaded) }, { "cf-connecting-ip": freshIpV4() });

    expect(answer.status).toBe(429);
    expect(answer.retryAfter).toBe("1");
  });
});

describe("the limiter object's storage", () => {
  function limiter(): DurableObjectStub<RateLimitObject> {
    return env.RATE_LIMIT_OBJECT.get(env.RATE_LIMIT_OBJECT.idFromName(`test:${crypto.randomUUID()}`));
  }

  it("keeps a busy bucket across its alarm", async () => {
    const stub = limiter();
    await stub.admit(1); // full for a minute

    expect(await runDurableObjectAlarm(stub)).toBe(true);

    await runInDurableObject(stub, async (_object, state) => {
      const tat = state.storage.kv.get<Tat>("tat");
      expect(tat?.ms).toBeGreaterThan(Date.now());
      expect(await state.storage.getAlarm()).toBe(tat!.ms + 1);
    });
    expect((await stub.admit(1)).allowed).toBe(false);
  });

  it("forgets a client once its bucket is full again, so departed clients keep no data", async () => {
    const stub = limiter();
    await stub.admit(WINDOW_MS); // one request is worth 1 ms of budget
    await new Promise((resolve) => setTimeout(resolve, 20));

    await runDurableObjectAlarm(stub); // may have run on its own already: either way it has run

    await runInDurableObject(stub, async (_object, state) => {
      expect(state.storage.kv.get("tat")).toBeUndefined();
      expect(await state.storage.getAlarm()).toBeNull();
    });
    expect((await stub.admit(1)).allowed).toBe(true);
  });

  it("counts exactly when requests arrive together", async () => {
    const stub = limiter();

    const outcomes = await Promise.all(Array.from({ length: 25 }, () => stub.admit(10)));

    expect(outcomes.filter((outcome) => outcome.allowed)).toHaveLength(10);
  });
});

describe("RateLimit headers (API.md, Headers)", () => {
  it("count down on every response the limiter counted, and stay on the 429", async () => {
    const client = { "cf-connecting-ip": freshIpV4() };
    const seen: (string | null)[][] = [];
    for (let i = 0; i < 4; i++) {
      const response = await app.request(`${BASE}/health`, { headers: client }, { ...env, RATE_LIMIT_PER_MINUTE: "3" });
      seen.push([String(response.status), response.headers.get("ratelimit-limit"), response.headers.get("ratelimit-remaining")]);
      expect(Number(response.headers.get("ratelimit-reset"))).toBeGreaterThanOrEqual(1);
      expect(Number(response.headers.get("ratelimit-reset"))).toBeLessThanOrEqual(60);
      if (response.status === 429) expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    expect(seen).toEqual([
      ["200", "3", "2"],
      ["200", "3", "1"],
      ["200", "3", "0"],
      ["429", "3", "0"],
    ]);
  });

  it("are absent when the limit is off", async () => {
    const response = await app.request(`${BASE}/health`, { headers: { "cf-connecting-ip": freshIpV4() } }, { ...env, RATE_LIMIT_PER_MINUTE: "0" });
    expect(response.headers.get("ratelimit-limit")).toBeNull();
  });
});

describe("the isolate's local allowance", () => {
  /** The real limiter objects, with every call counted. */
  const countingLimiter = () => countingCalls(env.RATE_LIMIT_OBJECT, "admit");

  it("a busy client far from its limit costs far fewer object calls than requests", async () => {
    const limiter = countingLimiter();
    const client = { "cf-connecting-ip": freshIpV4() };
    for (let i = 0; i < 200; i++) {
      expect((await hit({ RATE_LIMIT_PER_MINUTE: "100000", RATE_LIMIT_OBJECT: limiter.namespace }, client)).status).toBe(200);
    }
    expect(limiter.calls()).toBeLessThanOrEqual(40);
  });

  it("never admits more than the limit, and loses at most a little of it to allowances", async () => {
    const client = { "cf-connecting-ip": freshIpV4() };
    const outcomes: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 45; i++) outcomes.push((await hit({ RATE_LIMIT_PER_MINUTE: "40" }, client)).status);
    const elapsed = Date.now() - started;
    const admitted = outcomes.filter((status) => status === 200).length;
    // The documented bound: limit × (1 + (span + 1 s) / 1 min); the bucket refills one request every 1.5 s.
    expect(admitted).toBeLessThanOrEqual(Math.floor(40 * (1 + (elapsed + 1000) / 60_000)));
    // All 40 unless this machine stalled for a second mid-allowance: then at most a tenth of what was left each time.
    expect(admitted).toBeGreaterThanOrEqual(32);
    expect(outcomes.at(-1)).toBe(429);
  });

  it("concurrent requests of one client never get more than the limit", async () => {
    const client = { "cf-connecting-ip": freshIpV4() };
    const outcomes = await Promise.all(Array.from({ length: 60 }, () => hit({ RATE_LIMIT_PER_MINUTE: "25" }, client)));
    expect(outcomes.filter((outcome) => outcome.status === 200).length).toBeLessThanOrEqual(25);
    expect(outcomes.filter((outcome) => outcome.status === 200).length).toBeGreaterThanOrEqual(20);
  });
});

describe("grants of many requests (decideMany, remainingAt)", () => {
  it("remainingAt is how many requests decide would admit one after another right now", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 2 ** 42 }), fc.array(fc.integer({ min: 0, max: 2_000 }), { maxLength: 60 }), (limit, first, gaps) => {
        let tat: Tat | undefined;
        let now = first;
        for (const gap of gaps) {
          now += gap;
          tat = decide(tat, now, limit).tat;
        }
        let admitted = 0;
        let probe = tat;
        for (;;) {
          const decision = decide(probe, now, limit);
          if (!decision.admission.allowed) break;
          probe = decision.tat;
          admitted++;
        }
        expect(remainingAt(tat, now, limit)).toBe(admitted);
      }),
    );
  });

  it("decideMany grants what one-by-one decisions would, and reports what is left", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 2 ** 42 }), fc.integer({ min: 1, max: 120 }), (limit, now, wanted) => {
        const { grant, tat } = decideMany(undefined, now, limit, wanted);
        expect(grant.granted).toBe(Math.min(wanted, limit));
        expect(grant.remaining).toBe(limit - grant.granted);
        expect(decideMany(tat, now, limit, limit + 1).grant.granted).toBe(limit - grant.granted);
      }),
    );
  });
});
