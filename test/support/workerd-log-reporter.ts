/**
 * workerd's own log lines (alarm notices such as "NOSENTRY SQLite alarm overdue", uncaught exceptions of aborted
 * objects, dropped connections) are held back, and printed after the summary only when the run failed.
 *
 * Why a reporter, not `silent` or `onConsoleLog`: those see the console of test code. These lines come from the
 * workerd process itself; @cloudflare/vitest-plugin reads them from its stdout and stderr and writes them to this
 * process's stdout and stderr in its `handleStructuredLogs`, with no test to belong to and no option to take them
 * over (its Miniflare options fix `handleStructuredLogs`; only `verbose` is passed through). So they are told apart
 * here by who writes them: a write made from the plugin's `handleStructuredLogs` is workerd's. Should the plugin
 * rename that function, the lines simply print as before.
 */
import type { Reporter, TestRunEndReason } from "vitest/node";

const WORKERD_LOG_WRITER = "handleStructuredLogs";

type Write = typeof process.stdout.write;

export default class WorkerdLogReporter implements Reporter {
  private readonly held: string[] = [];
  private readonly restore: (() => void)[] = [];

  onInit(): void {
    for (const stream of [process.stdout, process.stderr]) this.holdWorkerdWrites(stream);
  }

  onTestRunEnd(_modules: unknown, _errors: unknown, reason: TestRunEndReason): void {
    for (const restore of this.restore.splice(0)) restore();
    if (reason !== "failed" || this.held.length === 0) return;
    process.stderr.write(`\nworkerd's own log during this run (held back while tests pass):\n${this.held.join("")}`);
  }

  private holdWorkerdWrites(stream: NodeJS.WriteStream): void {
    const original: Write = stream.write.bind(stream);
    const holding = ((chunk: string | Uint8Array, ...rest: never[]) => {
      if (!writtenByWorkerdLog()) return original(chunk, ...rest);
      this.held.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return true;
    }) as Write;
    stream.write = holding;
    this.restore.push(() => {
      stream.write = original;
    });
  }
}

function writtenByWorkerdLog(): boolean {
  return new Error().stack?.includes(WORKERD_LOG_WRITER) ?? false;
}
