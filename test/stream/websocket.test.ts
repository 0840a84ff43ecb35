import { describe, expect, it } from "vitest";
import { uniqueSymbol } from "../support/api";
import { eventually, sleep, startJob, stopJob } from "../support/jobs";
import { openSse, openWebSocket } from "../support/streams";
import { pointOf, pointsBetween, storedHistory } from "../support/streams-history";

describe("GET /prices/stream as a WebSocket (Upgrade: websocket)", () => {
  it("sends each new point as one message, the same events an SSE client gets, equal to the stored points", async () => {
    const symbol = uniqueSymbol("W");
    const sse = await openSse(`/prices/stream?symbols=${symbol}`);
    const socket = await openWebSocket(`/prices/stream?symbols=${symbol}`);
    await sse.waitForComment(/^live:/);
    await eventually(async () => expect(socket.messages).toContainEqual({ type: "stream.notice", message: expect.stringMatching(/^live:/) }));

    const job = await startJob({ symbols: [symbol], interval: 1, provider: "synthetic" });
    const events = await socket.waitForPriceEvents(3);
    await sse.waitForPriceEvents(events.length);
    await stopJob(job);
    socket.socket.close(1000, "done");
    await sse.close();

    expect(events.map(pointOf)).toEqual(pointsBetween(await storedHistory(symbol, "synthetic", events.at(-1)!.timestamp), undefined, events.at(-1)!.timestamp));
    expect(events.map((event) => event.event_id)).toEqual(sse.priceEvents().slice(0, events.length).map((event) => event.event_id));
  });

  it("sends {type: heartbeat} messages while no price comes", async () => {
    const socket = await openWebSocket(`/prices/stream?symbols=${uniqueSymbol("H")}&heartbeat=1`);
    await sleep(2_300);
    expect(socket.messages.filter((message) => message.type === "heartbeat").length).toBeGreaterThanOrEqual(2);
    socket.socket.close(1000, "done");
  });

  it("resumes after ?last_event_id= (a browser WebSocket cannot send Last-Event-ID)", async () => {
    const symbol = uniqueSymbol("R");
    const first = await openWebSocket(`/prices/stream?symbols=${symbol}`);
    await eventually(async () => expect(first.messages.length).toBeGreaterThan(0));
    const job = await startJob({ symbols: [symbol], interval: 1, provider: "synthetic" });
    const [, seen] = await first.waitForPriceEvents(2);
    first.socket.close(1000, "going away for a while");
    await sleep(2_200);

    const again = await openWebSocket(`/prices/stream?symbols=${symbol}&last_event_id=${seen!.event_id}`);
    const resumed = await again.waitForPriceEvents(3);
    await stopJob(job);
    again.socket.close(1000, "done");

    expect(resumed.map(pointOf)).toEqual(pointsBetween(await storedHistory(symbol, "synthetic", resumed.at(-1)!.timestamp), seen!.timestamp, resumed.at(-1)!.timestamp));
  });
});
