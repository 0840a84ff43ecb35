import { readConfig, type Env } from "../env";
import { ApiError } from "../errors";
import type { PriceEvent } from "../schemas/price-event";
import { symbolObject } from "../objects/symbol";
import { tryParseJson } from "../wire/json";
import { closeQuietly } from "./channel";
import {
  RECENT_EVENTS,
  RESUME_ANSWER_TIMEOUT_MS,
  RESUME_OVERLAP_MS,
  SYMBOL_STREAM_URL,
  SymbolObjectMessageSchema,
  type ReplayRequest,
  type ResumeAnswer,
  type StreamRequest,
} from "./protocol";

/** What the feed tells the client's side. */
export interface FeedListener {
  /** A new (or replayed) price event, with its JSON exactly as the symbol object sent it. */
  onEvent(event: PriceEvent, json: string): void;
  /** Something worth telling the client in words: how a resume went. */
  onNotice(text: string): void;
  /** The feed ended by itself (a symbol object went away or misbehaved); the client should reconnect. */
  onEnd(reason: string): void;
}

/**
 * One client's merge of its symbols' streams, in the Worker: one internal WebSocket per symbol object, each
 * accepted there with the Hibernation API (see protocol.ts). Events are handed on as they arrive; the order
 * between symbols is arrival order, the order within a symbol is the object's publication order.
 */
export class PriceFeed {
  private readonly sockets = new Map<string, WebSocket>();
  private readonly resumeAnswers = new Map<string, ResumeAnswer>();
  private resumeTimer: ReturnType<typeof setTimeout> | undefined;
  private ended = false;

  private constructor(
    private readonly env: Env,
    private readonly request: StreamRequest,
    private readonly listener: FeedListener,
  ) {}

  /**
   * Connect to every symbol's object. Resolves once all are connected, with the refusal when one of them is
   * full (then nothing was started and the listener hears nothing: the client is answered 503 instead).
   */
  static async open(env: Env, request: StreamRequest, listener: FeedListener): Promise<{ feed: PriceFeed; refused?: ApiError }> {
    const feed = new PriceFeed(env, request, listener);
    const refused = await feed.connectAll();
    return { feed, refused };
  }

  /** The client left or was dropped: let every symbol object release its socket. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.resumeTimer);
    for (const socket of this.sockets.values()) closeQuietly(socket, 1000, "client left");
    this.sockets.clear();
  }

  private fail(reason: string): void {
    if (this.ended) return;
    this.close();
    this.listener.onEnd(reason);
  }

  private async connectAll(): Promise<ApiError | undefined> {
    if (this.request.resumeAfter !== undefined) {
      this.resumeTimer = setTimeout(
        () => this.fail(`resume timed out: not every symbol answered within ${RESUME_ANSWER_TIMEOUT_MS / 1000} s; reconnect to try again`),
        RESUME_ANSWER_TIMEOUT_MS,
      );
    }
    try {
      await Promise.all(this.request.symbols.map((symbol) => this.connect(symbol)));
    } catch (error) {
      if (error instanceof ApiError) {
        clearTimeout(this.resumeTimer);
        this.close();
        return error;
      }
      console.error("stream: a symbol object refused the stream", error);
      this.fail("a symbol's stream could not be opened; reconnect to try again");
      return undefined;
    }
    // From here on every new point reaches the client (a resumed stream says so once it has replayed).
    if (!this.ended && this.request.resumeAfter === undefined) this.listener.onNotice(`live: ${this.describe()}`);
    return undefined;
  }

  private describe(): string {
    return `${this.request.symbols.join(",")} from ${this.request.provider}`;
  }

  private async connect(symbol: string): Promise<void> {
    const url = new URL(SYMBOL_STREAM_URL);
    url.searchParams.set("max", String(readConfig(this.env).MAX_STREAMS_PER_SYMBOL));
    if (this.request.resumeAfter !== undefined) url.searchParams.set("resume", this.request.resumeAfter);
    const stub = symbolObject(this.env, { provider: this.request.provider, symbol });
    const response = await stub.fetch(url.toString(), { headers: { upgrade: "websocket" } });
    if (response.status === 503) {
      throw new ApiError("service_unavailable", `${symbol}: ${await response.text()}; retry later`, { retry_after: 30 });
    }
    const socket = response.webSocket;
    if (!socket) throw new Error(`the symbol object of ${symbol} answered ${response.status} without a WebSocket`);
    socket.accept();
    if (this.ended) {
      closeQuietly(socket, 1000, "client left");
      return;
    }
    this.sockets.set(symbol, socket);
    socket.addEventListener("message", (message) => this.received(symbol, message.data));
    socket.addEventListener("close", (close) => {
      if (!this.ended) this.fail(`the stream of ${symbol} closed (${close.code}); reconnect with Last-Event-ID to resume`);
    });
    socket.addEventListener("error", () => this.fail(`the stream of ${symbol} failed; reconnect with Last-Event-ID to resume`));
  }

  private received(symbol: string, data: string | ArrayBuffer): void {
    if (this.ended) return;
    const json = typeof data === "string" ? data : new TextDecoder().decode(data);
    const parsed = SymbolObjectMessageSchema.safeParse(tryParseJson(json));
    if (!parsed.success) {
      console.error(`stream: unexpected message from the symbol object of ${symbol}`, parsed.error.message);
      this.fail(`the stream of ${symbol} sent something unexpected`);
      return;
    }
    const message = parsed.data;
    if (message.type === "price.updated") this.listener.onEvent(message, json);
    else this.resumeAnswered(symbol, message);
  }

  /** Once every symbol has said whether it holds the resume point, the waiting ones replay and go live. */
  private resumeAnswered(symbol: string, answer: ResumeAnswer): void {
    this.resumeAnswers.set(symbol, answer);
    if (this.resumeAnswers.size < this.request.symbols.length) return;
    clearTimeout(this.resumeTimer);
    const resumePoint = [...this.resumeAnswers.values()].find((candidate) => candidate.found)?.recorded_at ?? null;
    const replay: ReplayRequest = { type: "stream.replay", since: resumePoint === null ? null : resumePoint - RESUME_OVERLAP_MS };
    for (const [waiting, { found }] of this.resumeAnswers) {
      if (!found) this.sockets.get(waiting)?.send(JSON.stringify(replay));
    }
    this.listener.onNotice(
      resumePoint === null
        ? `live: ${this.describe()}; nothing replayed: event ${this.request.resumeAfter} is not among the last ${RECENT_EVENTS} events of these symbols (older points: /prices/history)`
        : `live: ${this.describe()}; resumed after event ${this.request.resumeAfter}`,
    );
  }
}
