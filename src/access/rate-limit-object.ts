/**
 * One per client (see rate-limit.ts for who a client is): that client's request budget, as a token bucket in
 * its GCRA form. A client may send a burst of up to `perMinute` requests, and then `perMinute` a minute; over
 * any span of D ms it is admitted at most perMinute × (1 + D / 60 000) times, and a client that keeps to the
 * rate is never refused. The whole state is one point in time, the "theoretical arrival time" (TAT): when the
 * bucket would be full again.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

export const WINDOW_MS = 60_000;
const KEY_TAT = "tat";

/**
 * A theoretical arrival time, exact: `ms` whole milliseconds plus `part` / `perMinute` of one. One request is worth
 * 60 000 / perMinute ms, rarely a whole number; counting in these units keeps the arithmetic in integers, so no
 * rounding error can ever admit or refuse a request it should not (floats at Date.now()'s size would).
 */
export interface Tat {
  ms: number;
  /** 0 <= part < perMinute. */
  part: number;
  perMinute: number;
}

export interface Admission {
  allowed: boolean;
  /** Whole seconds after which the next request would be admitted; 0 when this one was. */
  retryAfterSeconds: number;
}

/** The answer to one call of the object: how many requests it admitted, and the bucket after them. */
export interface Grant extends Admission {
  /** Requests admitted by this call, 1..wanted when allowed, 0 when refused. */
  granted: number;
  /** Requests the bucket would still admit now, after this grant (RateLimit-Remaining). */
  remaining: number;
  /** Epoch ms at which the bucket is full again (RateLimit-Reset counts down to it). */
  fullAt: number;
}

export interface Decision {
  admission: Admission;
  /** The TAT to keep: unchanged when the request was refused (refusals cost the client nothing). */
  tat: Tat | undefined;
}

/** GCRA: admit when the bucket, with this request added, holds no more than one window's worth. Pure. */
export function decide(tat: Tat | undefined, now: number, perMinute: number): Decision {
  let kept = tat ?? { ms: 0, part: 0 };
  // A TAT kept under another limit (the setting changed) is rounded up to a whole ms: off by under 1 ms.
  if (tat !== undefined && tat.perMinute !== perMinute) kept = { ms: tat.ms + (tat.part > 0 ? 1 : 0), part: 0 };
  const start = kept.ms < now ? { ms: now, part: 0 } : kept;
  const part = start.part + (WINDOW_MS % perMinute);
  const next: Tat = {
    ms: start.ms + Math.floor(WINDOW_MS / perMinute) + (part >= perMinute ? 1 : 0),
    part: part % perMinute,
    perMinute,
  };
  const ahead = next.ms - now;
  if (ahead < WINDOW_MS || (ahead === WINDOW_MS && next.part === 0)) {
    return { admission: { allowed: true, retryAfterSeconds: 0 }, tat: next };
  }
  // Admitted once next - t fits the window again: after (ahead - WINDOW_MS) ms plus part / perMinute of one.
  // Retry-After is that in whole seconds, rounded up.
  const waitMs = ahead - WINDOW_MS;
  const seconds = next.part > 0 ? Math.floor(waitMs / 1000) + 1 : Math.ceil(waitMs / 1000);
  return { admission: { allowed: false, retryAfterSeconds: Math.max(1, seconds) }, tat };
}

/** Requests a bucket at `tat` would still admit at `now` (whole requests; each is worth WINDOW_MS units). */
export function remainingAt(tat: Tat | undefined, now: number, perMinute: number): number {
  if (tat === undefined || tat.ms < now) return perMinute;
  const units = (now + WINDOW_MS - tat.ms) * perMinute - tat.part;
  return Math.min(perMinute, Math.max(0, Math.floor(units / WINDOW_MS)));
}

/** Up to `wanted` requests at once, each decided as if it came alone (so the bounds of `decide` hold). Pure. */
export function decideMany(tat: Tat | undefined, now: number, perMinute: number, wanted: number): { grant: Grant; tat: Tat | undefined } {
  let kept = tat;
  let granted = 0;
  let refusal: Admission | undefined;
  while (granted < wanted) {
    const decision = decide(kept, now, perMinute);
    if (!decision.admission.allowed) {
      refusal = decision.admission;
      break;
    }
    kept = decision.tat;
    granted++;
  }
  const admission: Admission = refusal !== undefined && granted === 0 ? refusal : { allowed: true, retryAfterSeconds: 0 };
  const fullAt = kept === undefined ? now : Math.max(now, kept.ms);
  return { grant: { ...admission, granted, remaining: remainingAt(kept, now, perMinute), fullAt }, tat: kept };
}

/**
 * The TAT is kept in the object's storage, not only in memory, so that an eviction or a redeploy does not hand
 * a flooding client a fresh budget. Refusals write nothing, so a flood costs no writes. An alarm at the TAT
 * deletes the state once the bucket is full again (the state then means nothing), so objects of clients that
 * went away keep no data.
 */
export class RateLimitObject extends DurableObject<Env> {
  private tat: Tat | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.tat = ctx.storage.kv.get<Tat>(KEY_TAT);
  }

  /**
   * Admit up to `wanted` requests (an isolate's local allowance, see rate-limit.ts): as many as the bucket
   * holds, at least one or none.
   */
  async admit(perMinute: number, wanted = 1): Promise<Grant> {
    const now = Date.now();
    const wasIdle = this.tat === undefined || this.tat.ms <= now;
    const decision = decideMany(this.tat, now, perMinute, Math.max(1, Math.floor(wanted)));
    if (decision.tat !== this.tat && decision.tat !== undefined) {
      this.tat = decision.tat;
      this.ctx.storage.kv.put(KEY_TAT, this.tat);
      // Idle -> busy: any earlier alarm belonged to an idle spell. While busy, the alarm re-arms itself.
      if (wasIdle) await this.ctx.storage.setAlarm(this.tat.ms + 1);
    }
    return decision.grant;
  }

  /**
   * The client's open streams (MAX_STREAMS_PER_CLIENT), as leases that the stream renews on its heartbeats: a
   * stream whose Worker vanished without releasing its lease stops counting once the lease expires.
   */
  private streams = new Map<string, number>();

  async openStream(max: number, leaseMs: number): Promise<{ id: string } | { refused: number }> {
    const now = Date.now();
    for (const [id, expiresAt] of this.streams) if (expiresAt <= now) this.streams.delete(id);
    if (this.streams.size >= max) return { refused: this.streams.size };
    const id = crypto.randomUUID();
    this.streams.set(id, now + leaseMs);
    return { id };
  }

  async renewStream(id: string, leaseMs: number): Promise<void> {
    if (this.streams.has(id)) this.streams.set(id, Date.now() + leaseMs);
  }

  async closeStream(id: string): Promise<void> {
    this.streams.delete(id);
  }

  override async alarm(): Promise<void> {
    if (this.tat !== undefined && this.tat.ms >= Date.now()) {
      await this.ctx.storage.setAlarm(this.tat.ms + 1);
      return;
    }
    this.tat = undefined;
    await this.ctx.storage.deleteAll();
  }
}
