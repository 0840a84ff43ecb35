/** JSON calls from the bench to the service and its stand-ins. */

export interface JsonAnswer<T> {
  status: number;
  body: T;
}

export async function requestJson<T>(url: string, init: RequestInit = {}): Promise<JsonAnswer<T>> {
  const response = await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(600_000) });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as T };
  } catch {
    throw new Error(`${init.method ?? "GET"} ${url} answered ${response.status} with non-JSON: ${text.slice(0, 300)}`);
  }
}

export function sendJson<T>(url: string, method: "POST" | "PUT" | "DELETE", body?: unknown): Promise<JsonAnswer<T>> {
  return requestJson<T>(url, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** An answer that must be a success; its body is returned. */
export function expectOk<T>(answer: JsonAnswer<T>, what: string): T {
  if (answer.status < 200 || answer.status >= 300) throw new Error(`${what}: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  return answer.body;
}
