/**
 * The "Goals" table of BENCHMARKS.md: exactly the figures of the scale issue's goals, each with the figure
 * before the redesign ("now" when the goal was set), the goal, what this run measured and whether it is met.
 * Cases fill `Figures`; a figure a case did not produce is "not measured".
 */
import type { HttpFigures } from "../cases/http";
import { d1QueriesPerPoint, exactlyOnce, rowsWrittenPerPoint, type SustainedResult } from "../cases/sustained";
import type { WriteBaseline } from "../cases/write-baselines";
import type { Table } from "./report";
import { formatCount, formatMs, formatRatio } from "./stats";

export interface Figures {
  http?: HttpFigures;
  writeBaselines?: WriteBaseline[];
  sustained?: SustainedResult[];
  live?: { clients: number; p50Ms: number; p99Ms: number }[];
  movingAverage?: { size: number; ratio: number };
}

export interface GoalRow {
  figure: string;
  now: string;
  goal: string;
  measured: string;
  met: boolean | undefined;
  /** Which section explains a miss. */
  section: string;
}

const NOT_MEASURED = "not measured in this run";

function row(figure: string, now: string, goal: string, section: string, value: { measured: string; met: boolean } | undefined): GoalRow {
  return { figure, now, goal, section, measured: value?.measured ?? NOT_MEASURED, met: value?.met };
}

function sustainedOf(figures: Figures, symbols: number): SustainedResult | undefined {
  return figures.sustained?.find((result) => result.symbols === symbols);
}

function fanOutFor(figures: Figures, objects: number): WriteBaseline | undefined {
  const baselines = figures.writeBaselines ?? [];
  return baselines.find((baseline) => baseline.objects === objects) ?? baselines[baselines.length - 1];
}

/** The sustained job of `symbols`, or in a quick run the largest one there is (named in the figure). */
function sustainedOrLargest(figures: Figures, symbols: number): SustainedResult | undefined {
  const all = figures.sustained ?? [];
  return sustainedOf(figures, symbols) ?? all[all.length - 1];
}

function sizeNote(result: SustainedResult, symbols: number): string {
  return result.symbols === symbols ? "" : ` (quick run: ${result.symbols} symbols)`;
}

export function goalRows(figures: Figures): GoalRow[] {
  const http = figures.http;
  const s500 = sustainedOrLargest(figures, 500);
  const s1000 = sustainedOrLargest(figures, 1000);
  const fan = s1000 ? fanOutFor(figures, s1000.symbols) : undefined;
  const all = figures.sustained ?? [];
  const worst = (value: (result: SustainedResult) => number) => (all.length > 0 ? Math.max(...all.map(value)) : Number.NaN);
  const live = figures.live ?? [];
  const one = live.find((window) => window.clients === 1);
  const most = live.length > 0 ? live.reduce((a, b) => (b.clients > a.clients ? b : a)) : undefined;
  return [
    row("fresh `latest` req/s ÷ bare Hono Worker req/s", "0.58 (vs the in-Worker route)", "≥ 0.9", "1", http && {
      measured: `${formatRatio(http.latestRatio)} (${formatCount(http.latestRps)} vs ${formatCount(http.bareRps)} req/s)`,
      met: http.latestRatio >= 0.9,
    }),
    row("same with the default rate limiter on", "not measured", "≥ 0.8", "1", http && {
      measured: `${formatRatio(http.limitedRatio)} (${formatCount(http.limitedRps)} req/s)`,
      met: http.limitedRatio >= 0.8,
    }),
    row("500 symbols at 1 s: distinct events/s acknowledged ÷ 500 asked", "0.41 (203 events/s; 1.40 records per event)", "≥ 0.95, every round on time", "3", s500 && {
      measured: `${formatRatio(s500.eventsPerSecond / s500.symbols)} (${formatCount(s500.eventsPerSecond)} events/s; ${formatRatio(s500.recordsPerEvent)} records per event; ${s500.roundsOnTime} of ${s500.roundsAsked} rounds on time)${sizeNote(s500, 500)}`,
      met: s500.eventsPerSecond / s500.symbols >= 0.95 && s500.roundsOnTime >= s500.roundsAsked && s500.roundsComplete >= s500.roundsAsked,
    }),
    row("1,000 symbols at 1 s: stored + announced points/s ÷ minimal fan-out points/s", "≈ 0.3 (255 vs ~850)", "≥ 0.7", "2, 3", s1000 && fan && {
      measured: `${formatRatio(s1000.announcedPerSecond / fan.fanOutPointsPerSecond)} (${formatCount(s1000.announcedPerSecond)} vs ${formatCount(fan.fanOutPointsPerSecond)} points/s)${sizeNote(s1000, 1000)}`,
      met: s1000.announcedPerSecond / fan.fanOutPointsPerSecond >= 0.7,
    }),
    row("D1 queries per stored point (sustained case)", "≈ 3", "≤ 0.1", "3", all.length > 0 ? {
      measured: `${worst(d1QueriesPerPoint).toFixed(3)} (D1 round trips; worst of the sustained jobs)`,
      met: worst(d1QueriesPerPoint) <= 0.1,
    } : undefined),
    row("rows written per stored point, D1 + object storage", "not measured (≈ 10 by reading)", "≤ 3", "3", all.length > 0 ? {
      measured: `${worst(rowsWrittenPerPoint).toFixed(2)} (worst of the sustained jobs)`,
      met: worst(rowsWrittenPerPoint) <= 3,
    } : undefined),
    row("live latency p50, 1 client / p99, 1,000 clients", "157 ms / 500 ms", "≤ 25 ms / ≤ 150 ms", "5", one && most && {
      measured: `${formatMs(one.p50Ms)} / ${formatMs(most.p99Ms)}${most.clients === 1000 ? "" : ` (quick run: ${most.clients} clients)`}`,
      met: one.p50Ms <= 25 && most.p99Ms <= 150,
    }),
    row("broker records ÷ distinct events, healthy broker, sustained case", "1.7–2.2", "≤ 1.01", "3", all.length > 0 ? {
      measured: `${formatRatio(worst((result) => result.recordsPerEvent))} (worst of the sustained jobs; exactly once checked: ${all.every(exactlyOnce) ? "yes" : "NO"})`,
      met: worst((result) => result.recordsPerEvent) <= 1.01,
    } : undefined),
    row("moving average p50 at 1M stored points ÷ at 1K", "0.97", "stays ≤ 1.1", "4", figures.movingAverage && {
      measured: `${formatRatio(figures.movingAverage.ratio)}${figures.movingAverage.size === 1_000_000 ? "" : ` (quick run: ${formatCount(figures.movingAverage.size)} points)`}`,
      met: figures.movingAverage.ratio <= 1.1,
    }),
  ];
}

function status(met: boolean | undefined): string {
  if (met === undefined) return "not measured";
  return met ? "met" : "**missed**";
}

export function issueGoalsTable(rows: readonly GoalRow[]): Table {
  return {
    headers: ["figure", "now (before)", "goal", "measured", "status", "why (section)"],
    rows: rows.map((goal) => [goal.figure, goal.now, goal.goal, goal.measured, status(goal.met), goal.met === false ? `see ${goal.section}` : "–"]),
  };
}
