/**
 * src/wire/ owns reading what another party sent us — a provider, a broker, a peer object's socket — and what we
 * may repeat of it: a body that may not be JSON, a Retry-After header, a request that timed out, and our secrets
 * cut out of any text that echoes them. It knows no provider, no sink and no stream, and imports nothing of src/:
 * every folder that talks over the wire may use it.
 */

/** The value of a JSON text, or undefined when it is not JSON (JSON itself has no undefined, so it tells). */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
