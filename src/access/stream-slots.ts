/**
 * Open streams per client (MAX_STREAMS_PER_CLIENT): the rate limit counts requests, not connections, and one
 * stream holds up to 50 internal sockets. The count lives in the client's RateLimitObject (the same identity as
 * the rate limit: its key, else its network), as leases the stream renews on its heartbeats, so a stream whose
 * Worker went away without saying so stops counting after STREAM_LEASE_MS. Beyond the cap: 429.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { readConfig } from "../env";
import { ApiError } from "../errors";
import { clientId } from "./rate-limit";

export const STREAM_LEASE_MS = 120_000;

export interface StreamSlot {
  renew(): void;
  release(): void;
}

/** Take one of the client's stream slots, or throw 429 naming the cap. */
export async function takeStreamSlot(c: Context<AppEnv>): Promise<StreamSlot> {
  const config = readConfig(c.env);
  const namespace = c.env.RATE_LIMIT_OBJECT;
  const limiter = namespace.get(namespace.idFromName(await clientId(c.req.raw, config)));
  const max = config.MAX_STREAMS_PER_CLIENT;
  const answer = await limiter.openStream(max, STREAM_LEASE_MS);
  if ("refused" in answer) {
    throw new ApiError("rate_limited", `this client already has ${answer.refused} open streams; at most ${max} are allowed (MAX_STREAMS_PER_CLIENT): close one first`, {
      retry_after: 30,
    });
  }
  const quietly = (call: Promise<void>) => void call.catch((error: unknown) => console.warn(`stream slot: ${String(error)}`));
  return {
    renew: () => quietly(limiter.renewStream(answer.id, STREAM_LEASE_MS)),
    release: () => quietly(limiter.closeStream(answer.id)),
  };
}
