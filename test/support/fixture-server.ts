/**
 * A local HTTP server that stands in for every remote party in tests and benchmarks: provider APIs (serving
 * the real recorded bodies of ../shared/fixtures) and Kafka REST endpoints (capturing what the sinks send).
 *
 * Tests program it over HTTP (they run inside workerd, this runs in Node):
 *   POST   /__rules     {match, method?, responses:[{status?, fixture?, body?, json?, headers?, delayMs?, hang?}]}
 *                       -> {id}. A request whose path+query contains `match` takes the rule's next response;
 *                       the last response repeats. Newest rules win.
 *   DELETE /__rules/:id
 *   GET    /__requests?match=…   -> {requests:[{method, url, headers, body, at}]} in arrival order
 * A request no rule matches gets 404 {"unmatched": "<path>"}.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { splitConcatenatedJson } from "../../src/events/sink";

export const FIXTURES_DIR = path.resolve(import.meta.dirname, "../../../shared/fixtures/providers");

export interface ScriptedResponse {
  status?: number;
  /** Path under shared/fixtures/providers, e.g. "yahoo/chart_1d_aapl_range1d_2025-02-18.json"; status and
   *  content type then default to the fixture's recorded ones. */
  fixture?: string;
  body?: string;
  json?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Never answer (the client's timeout must fire). */
  hang?: boolean;
  /** Act as a broker's produce endpoint: acknowledge every record of the request in that API's shape. */
  brokerAck?: BrokerApi;
}

export type BrokerApi = "kafka-rest-v2" | "kafka-rest-v3" | "upstash";

export interface Rule {
  match: string;
  method?: string;
  responses: ScriptedResponse[];
}

interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

interface ActiveRule extends Rule {
  id: number;
  served: number;
}

function readFixture(name: string): { body: string; status: number; contentType: string } {
  const file = path.join(FIXTURES_DIR, name);
  if (!file.startsWith(FIXTURES_DIR)) throw new Error(`fixture outside the fixtures folder: ${name}`);
  const body = readFileSync(file, "utf8");
  const meta = JSON.parse(readFileSync(file.replace(/\.json$/, ".meta.json"), "utf8")) as {
    http_status: number | null;
    content_type?: string;
  };
  return { body, status: meta.http_status ?? 200, contentType: meta.content_type ?? "application/json" };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(value));
}

export class FixtureServer {
  private rules: ActiveRule[] = [];
  private requests: RecordedRequest[] = [];
  private nextId = 1;
  private readonly server: Server;
  private readonly hanging = new Set<ServerResponse>();

  constructor() {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => sendJson(response, 599, { error: String(error) }));
    });
  }

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  addRule(rule: Rule): number {
    const id = this.nextId++;
    this.rules.unshift({ ...rule, id, served: 0 });
    return id;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://fixture.local");
    const body = await readBody(request);
    if (url.pathname === "/__rules" && request.method === "POST") {
      return sendJson(response, 200, { id: this.addRule(JSON.parse(body) as Rule) });
    }
    if (url.pathname.startsWith("/__rules/") && request.method === "DELETE") {
      const id = Number(url.pathname.slice("/__rules/".length));
      this.rules = this.rules.filter((rule) => rule.id !== id);
      return sendJson(response, 200, { deleted: id });
    }
    if (url.pathname === "/__requests") {
      const match = url.searchParams.get("match") ?? "";
      return sendJson(response, 200, { requests: this.requests.filter((r) => r.url.includes(match)) });
    }
    const target = url.pathname + url.search;
    this.requests.push({
      method: request.method ?? "GET",
      url: target,
      headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)])),
      body,
      at: Date.now(),
    });
    const rule = this.rules.find((r) => target.includes(r.match) && (!r.method || r.method === request.method));
    if (!rule) return sendJson(response, 404, { unmatched: target });
    const scripted = rule.responses[Math.min(rule.served++, rule.responses.length - 1)] ?? {};
    await this.respond(response, scripted.brokerAck ? { ...this.brokerAck(scripted.brokerAck, target, body), delayMs: scripted.delayMs } : scripted);
  }

  private nextOffset = 0;

  /** Success answers as each API documents them (see ../shared/specs), one acknowledgement per record. */
  private brokerAck(api: BrokerApi, target: string, body: string): ScriptedResponse {
    if (api === "kafka-rest-v2") {
      const request = JSON.parse(body) as unknown;
      const records = (request as { records?: unknown[] }).records ?? [];
      const offsets = records.map(() => ({ partition: 0, offset: this.nextOffset++ }));
      return { status: 200, json: { key_schema_id: null, value_schema_id: null, offsets } };
    }
    if (api === "kafka-rest-v3") {
      const [, cluster = "", topic = ""] = /\/clusters\/([^/]+)\/topics\/([^/]+)\/records/.exec(target) ?? [];
      const records = splitConcatenatedJson(body) as { key?: { type?: string; data?: unknown }; value?: { type?: string; data?: unknown } }[];
      const size = (part: { data?: unknown } | undefined) => JSON.stringify(part?.data ?? null).length;
      // Streamed produce: one delivery report per record, concatenated, in the records' order.
      const reports = records.map((record) => ({
        error_code: 200,
        cluster_id: cluster,
        topic_name: topic,
        partition_id: 0,
        offset: this.nextOffset++,
        timestamp: new Date().toISOString(),
        key: { type: record.key?.type ?? "STRING", size: size(record.key) },
        value: { type: record.value?.type ?? "JSON", size: size(record.value) },
      }));
      return { status: 200, body: reports.map((report) => JSON.stringify(report)).join("\n") };
    }
    const request = JSON.parse(body) as unknown;
    const messages = (Array.isArray(request) ? request : [request]) as { topic?: string }[];
    return {
      status: 200,
      json: messages.map((message) => ({ topic: message.topic ?? "", partition: 0, offset: this.nextOffset++, timestamp: Date.now() })),
    };
  }

  private async respond(response: ServerResponse, scripted: ScriptedResponse): Promise<void> {
    if (scripted.hang) {
      this.hanging.add(response);
      response.on("close", () => this.hanging.delete(response));
      return;
    }
    if (scripted.delayMs) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
    let status = scripted.status ?? 200;
    let contentType = "application/json";
    let body = scripted.body ?? (scripted.json === undefined ? "" : JSON.stringify(scripted.json));
    if (scripted.fixture) {
      const fixture = readFixture(scripted.fixture);
      body = fixture.body;
      status = scripted.status ?? fixture.status;
      contentType = fixture.contentType;
    }
    response.writeHead(status, { "content-type": contentType, ...scripted.headers });
    response.end(body);
  }
}
