/** src/wire/: what every folder that talks over the wire reads the same way. */
import { describe, expect, it } from "vitest";
import { tryParseJson } from "../../src/wire/json";
import { redact } from "../../src/wire/redact";
import { retryAfterMs } from "../../src/wire/retry-after";
import { isTimeout } from "../../src/wire/timeout";

const retryAfter = (value: string) => new Headers({ "retry-after": value });

describe("tryParseJson", () => {
  it("gives the value of JSON, null included, and undefined for anything else", () => {
    expect(tryParseJson('{"a":[1,"b"]}')).toEqual({ a: [1, "b"] });
    expect(tryParseJson("null")).toBeNull();
    expect(tryParseJson("<html>502</html>")).toBeUndefined();
    expect(tryParseJson("")).toBeUndefined();
  });
});

describe("retryAfterMs", () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  it("reads delay-seconds, rounded up to a whole ms", () => {
    expect(retryAfterMs(retryAfter("7"), now)).toBe(7000);
    expect(retryAfterMs(retryAfter("0"), now)).toBe(0);
    expect(retryAfterMs(retryAfter("0.0005"), now)).toBe(1);
  });

  it("reads an HTTP date as the time until it, 0 once it has passed", () => {
    expect(retryAfterMs(retryAfter(new Date(now + 90_000).toUTCString()), now)).toBe(90_000);
    expect(retryAfterMs(retryAfter(new Date(now - 90_000).toUTCString()), now)).toBe(0);
  });

  it("is undefined when the header is absent, empty or unreadable", () => {
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
    expect(retryAfterMs(retryAfter(""), now)).toBeUndefined();
    expect(retryAfterMs(retryAfter("soon"), now)).toBeUndefined();
  });
});

describe("isTimeout", () => {
  it("is true for a fetch's timeout or abort, false for any other failure", async () => {
    const timedOut = await fetch("http://192.0.2.1/", { signal: AbortSignal.timeout(1) }).catch((error: unknown) => error);
    expect(isTimeout(timedOut)).toBe(true);
    expect(isTimeout(Object.assign(new Error("aborted"), { name: "AbortError" }))).toBe(true);
    expect(isTimeout(new TypeError("Network connection lost."))).toBe(false);
    expect(isTimeout("TimeoutError")).toBe(false);
  });
});

describe("redact", () => {
  it("replaces every occurrence of every secret that is set", () => {
    expect(redact("user u-1 key k-2, again k-2", ["k-2", undefined, "", "u-1"])).toBe("user REDACTED key REDACTED, again REDACTED");
  });
});
