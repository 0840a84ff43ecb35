/**
 * A CPU profile of the service's isolate (the Worker and its Durable Objects share it under workerd), taken
 * through wrangler dev's inspector port with the DevTools protocol while some load runs, and summarized as
 * self time by source file (mapped back through the bundle's source map) and by function. This is what a
 * missed goal's "where the time goes" points at.
 */
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import type { Service } from "./service";

export interface Profile {
  /** Milliseconds sampled, and how much of it the isolate was idle. */
  sampledMs: number;
  idleMs: number;
  byFile: [string, number][];
  byFunction: [string, number][];
  summary: string;
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

interface Message {
  id?: number;
  result?: { profile?: CpuProfile };
  error?: { message: string };
}

async function debuggerUrl(port: number): Promise<string> {
  try {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { webSocketDebuggerUrl?: string }[];
    const url = targets.find((target) => target.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
    if (url) return url;
  } catch {
    // Fall back to the proxy's root.
  }
  return `ws://127.0.0.1:${port}/`;
}

class Inspector {
  private nextId = 1;
  private readonly waiting = new Map<number, (message: Message) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as Message;
      if (message.id !== undefined) this.waiting.get(message.id)?.(message);
    });
  }

  static async open(port: number): Promise<Inspector> {
    // The inspector proxy wants an Origin on localhost; Node's WebSocket (undici) takes headers as an option.
    const NodeWebSocket = WebSocket as unknown as new (url: string, options: { headers: Record<string, string> }) => WebSocket;
    const socket = new NodeWebSocket(await debuggerUrl(port), { headers: { origin: "http://localhost" } });
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error(`inspector on port ${port} did not open`)), { once: true });
    });
    return new Inspector(socket);
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<Message> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector: no answer to ${method}`)), 30_000);
      this.waiting.set(id, (message) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (message.error) reject(new Error(`inspector: ${method}: ${message.error.message}`));
        else resolve(message);
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** node_modules/@scope/name/… → @scope/name; node_modules/name/… → name; our own files by their path in the repository. */
function fileGroup(source: string, bundle: string | undefined): string {
  const parts = source.split("node_modules/");
  if (parts.length > 1) {
    const [first = "", second = ""] = parts[parts.length - 1]!.split("/");
    return first.startsWith("@") ? `${first}/${second}` : first;
  }
  if (!bundle) return source;
  const absolute = path.resolve(path.dirname(bundle), source.replace(/^file:\/\//, ""));
  const relative = path.relative(process.cwd(), absolute);
  // Outside the repository: the bench's generated entry (the counting subclasses of the objects).
  return relative.startsWith("..") ? "bench entry (generated)" : relative;
}

function loadSourceMap(bundle: string | undefined): SourceMap | undefined {
  const file = bundle ? `${bundle}.map` : undefined;
  if (!file || !existsSync(file)) return undefined;
  return new SourceMap(JSON.parse(readFileSync(file, "utf8")) as ConstructorParameters<typeof SourceMap>[0]);
}

function place(frame: CallFrame, map: SourceMap | undefined, bundle: string | undefined): { file: string; line: number; name: string } {
  const fallbackName = frame.functionName || "(anonymous)";
  if (!frame.url) return { file: frame.functionName || "(native)", line: 0, name: fallbackName };
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry && "originalSource" in entry) {
    const name = "name" in entry && typeof entry.name === "string" && entry.name ? entry.name : fallbackName;
    return { file: fileGroup(entry.originalSource, bundle), line: entry.originalLine + 1, name };
  }
  return { file: path.basename(frame.url), line: frame.lineNumber + 1, name: fallbackName };
}

function top(totals: Map<string, number>, count: number): [string, number][] {
  return [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);
}

export function summarizeProfile(profile: CpuProfile, bundle: string | undefined): Profile {
  const map = loadSourceMap(bundle);
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((id, index) => selfMs.set(id, (selfMs.get(id) ?? 0) + (deltas[index] ?? 0) / 1000));
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let sampledMs = 0;
  let idleMs = 0;
  for (const [id, ms] of selfMs) {
    const frame = nodes.get(id)?.callFrame;
    if (!frame) continue;
    sampledMs += ms;
    if (frame.functionName === "(idle)") {
      idleMs += ms;
      continue;
    }
    const { file, line, name: functionName } = place(frame, map, bundle);
    byFile.set(file, (byFile.get(file) ?? 0) + ms);
    const name = `${functionName} (${file}${line ? `:${line}` : ""})`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
  }
  const busyMs = sampledMs - idleMs;
  const share = (ms: number) => `${((ms / busyMs) * 100).toFixed(0)} %`;
  const files = top(byFile, 8);
  const functions = top(byFunction, 6);
  const summary =
    `${(busyMs / 1000).toFixed(2)} s of JavaScript CPU in ${(sampledMs / 1000).toFixed(2)} s sampled (idle ${((idleMs / Math.max(sampledMs, 1)) * 100).toFixed(0)} %: the rest of each request is I/O and the runtime outside JavaScript). ` +
    `Self time by file: ${files.map(([file, ms]) => `${file} ${share(ms)}`).join(", ")}. ` +
    `Top functions: ${functions.map(([name, ms]) => `${name} ${share(ms)}`).join("; ")}.`;
  return { sampledMs, idleMs, byFile: files, byFunction: functions, summary };
}

/** Profile the service's isolate while `load` runs. */
export async function profileWhile<T>(service: Service, load: () => Promise<T>): Promise<Profile> {
  if (service.inspectorPort === undefined) throw new Error("the service has no inspector port");
  const inspector = await Inspector.open(service.inspectorPort);
  try {
    await inspector.send("Profiler.enable");
    await inspector.send("Profiler.setSamplingInterval", { interval: 500 });
    await inspector.send("Profiler.start");
    await load();
    const stopped = await inspector.send("Profiler.stop");
    if (!stopped.result?.profile) throw new Error("inspector: Profiler.stop answered no profile");
    return summarizeProfile(stopped.result.profile, service.bundle);
  } finally {
    inspector.close();
  }
}

/** A profile that could not be taken says so instead of failing the case. */
export async function tryProfile<T>(service: Service, load: () => Promise<T>): Promise<string> {
  try {
    return (await profileWhile(service, load)).summary;
  } catch (error) {
    return `(no profile: ${error instanceof Error ? error.message : String(error)})`;
  }
}
