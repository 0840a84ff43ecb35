/** What stands where a secret was, in every text we repeat and every URL we store. */
export const REDACTED = "REDACTED";

/**
 * Every occurrence of each secret replaced by REDACTED: applied to whatever another party says (an error text, a
 * body that echoes the request) before it becomes part of an error, a log line or a stored answer. Unset secrets
 * are skipped, so callers may pass optional settings as they are.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let clean = text;
  for (const secret of secrets) {
    if (secret) clean = clean.split(secret).join(REDACTED);
  }
  return clean;
}
