import type { AppRouteHandler } from "../../app-env";
import { readConfig } from "../../env";
import { ApiError } from "../../errors";
import { answerBars, type BackfillHint } from "../../history/bars";
import { INTERVAL_MS } from "../../providers/history";
import { barBody } from "../../schemas/bar";
import { DEFAULT_BARS_LIMIT, type barsRoute } from "./bars.routes";

const CURSOR_PREFIX = "bars:";

/** The cursor names the last bar a page held; the next page starts right after it. */
function encodeCursor(lastBarStart: number): string {
  return btoa(`${CURSOR_PREFIX}${lastBarStart}`).replace(/=+$/, "");
}

function decodeCursor(cursor: string): number {
  let text: string;
  try {
    text = atob(cursor);
  } catch {
    text = "";
  }
  const match = /^bars:(-?\d{1,15})$/.exec(text);
  if (!match) throw new ApiError("invalid_request", "cursor: not a cursor this route gave out");
  return Number(match[1]);
}

function hintMessage(hint: BackfillHint): string {
  const lack = `the store lacks part of this range and filling it takes ${hint.requests} provider request${hint.requests === 1 ? "" : "s"}`;
  return hint.reason === "api_key_required"
    ? `${lack}; asking the provider needs an API key (Authorization: Bearer <key>), here or with POST /prices/backfill`
    : `${lack}: POST /prices/backfill fetches it`;
}

export const getBars: AppRouteHandler<typeof barsRoute> = async (c) => {
  const query = c.req.valid("query");
  const provider = query.provider ?? readConfig(c.env).DEFAULT_PROVIDER;
  const limit = query.limit ?? DEFAULT_BARS_LIMIT;
  const source = query.source ?? "provider";
  const to = query.to ?? Date.now();
  const from = query.from ?? to - limit * INTERVAL_MS[query.interval];
  if (from >= to) throw new ApiError("invalid_request", "from: must be before to");
  const start = query.cursor === undefined ? from : Math.max(from, decodeCursor(query.cursor) + 1);
  const answer =
    start >= to
      ? { bars: [], more: false, backfill: null }
      : await answerBars(c.env, { symbol: query.symbol, provider, interval: query.interval, span: { from: start, to }, limit, source, storedOnly: c.get("anonymous") });
  const last = answer.bars.at(-1);
  return c.json(
    {
      symbol: query.symbol,
      provider,
      interval: query.interval,
      source,
      bars: answer.bars.map(barBody),
      next_cursor: answer.more && last ? encodeCursor(last.timestamp) : null,
      backfill: answer.backfill && {
        missing: answer.backfill.missing.map((span) => ({ from: new Date(span.from).toISOString(), to: new Date(span.to).toISOString() })),
        requests: answer.backfill.requests,
        message: hintMessage(answer.backfill),
      },
    },
    200,
  );
};
