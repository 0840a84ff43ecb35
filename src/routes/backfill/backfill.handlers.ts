import type { AppRouteHandler } from "../../app-env";
import { readConfig } from "../../env";
import { ApiError } from "../../errors";
import { cancelBackfill, createBackfill, getBackfill, listBackfillPage } from "../../history/backfill";
import { notConfigured, requireAcceptedSymbols } from "../../providers/parse";
import { getProvider, isConfigured } from "../../providers/registry";
import type { BackfillJob } from "../../history/backfill-store";
import type { BackfillSchema } from "../../schemas/backfill";
import type { z } from "@hono/zod-openapi";
import type { cancelBackfillRoute, createBackfillRoute, getBackfillRoute, listBackfillsRoute } from "./backfill.routes";

const DEFAULT_LIST_LIMIT = 20;

export const postBackfill: AppRouteHandler<typeof createBackfillRoute> = async (c) => {
  const body = c.req.valid("json");
  const config = readConfig(c.env);
  const provider = body.provider ?? config.DEFAULT_PROVIDER;
  const symbols = [...new Set(body.symbols)];
  if (symbols.length > config.MAX_SYMBOLS_PER_JOB) {
    throw new ApiError("invalid_request", `a backfill may ask for at most ${config.MAX_SYMBOLS_PER_JOB} symbols`);
  }
  requireAcceptedSymbols(getProvider(provider), symbols);
  if (!isConfigured(config, provider)) {
    throw notConfigured(provider);
  }
  const job = await createBackfill(c.env, { symbols, interval: body.interval, from: body.from, to: body.to, provider });
  return c.json(backfillBody(job), 202);
};

export const getBackfillJob: AppRouteHandler<typeof getBackfillRoute> = async (c) => {
  return c.json(backfillBody(await getBackfill(c.env, c.req.valid("param").backfill_id)), 200);
};

export const deleteBackfill: AppRouteHandler<typeof cancelBackfillRoute> = async (c) => {
  return c.json(backfillBody(await cancelBackfill(c.env, c.req.valid("param").backfill_id)), 200);
};

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  let text: string;
  try {
    text = atob(cursor);
  } catch {
    text = "";
  }
  const match = /^backfills:(\d{1,15}):([\w-]{1,100})$/.exec(text);
  if (!match) throw new ApiError("invalid_request", "cursor: not a cursor this route gave out");
  return { createdAt: Number(match[1]), id: match[2]! };
}

export const listBackfillJobs: AppRouteHandler<typeof listBackfillsRoute> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const page = await listBackfillPage(c.env, limit ?? DEFAULT_LIST_LIMIT, cursor === undefined ? undefined : decodeCursor(cursor));
  const next = page.last && btoa(`backfills:${page.last.createdAt}:${page.last.id}`).replace(/=+$/, "");
  return c.json({ backfills: page.jobs.map(backfillBody), next_cursor: next }, 200);
};

const iso = (ms: number) => new Date(ms).toISOString();

function backfillBody(job: BackfillJob): z.infer<typeof BackfillSchema> {
  const range = (step: { symbol: string; from: number; to: number }) => ({ symbol: step.symbol, from: iso(step.from), to: iso(step.to) });
  return {
    backfill_id: job.id,
    status: job.status,
    config: { ...job.config, from: iso(job.config.from), to: iso(job.config.to) },
    progress: {
      requests_done: job.requestsDone,
      requests_planned: job.requestsPlanned,
      bars_stored: job.barsStored,
      current: job.current && range(job.current),
    },
    errors: job.errors.map((error) => ({ ...range(error), code: error.code, message: error.message })),
    created_at: iso(job.createdAt),
    finished_at: job.finishedAt === null ? null : iso(job.finishedAt),
  };
}
