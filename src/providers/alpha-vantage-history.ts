/**
 * Alpha Vantage bars: TIME_SERIES_DAILY for daily bars, TIME_SERIES_INTRADAY (one calendar month per request,
 * `month=YYYY-MM`) for 1/5/15/30/60-minute bars.
 *
 *   GET {baseUrl}/query?function=TIME_SERIES_DAILY&symbol=IBM&outputsize=full&apikey=KEY
 *   200 {"Meta Data":{…,"5. Time Zone":"US/Eastern"},"Time Series (Daily)":{"2020-05-08":{"1. open":"122.6700",…,"5. volume":"2538547"},…}}
 *
 * Quirks: every number is a string; keys carry numeric prefixes; the series is an object keyed by local
 * exchange time WITHOUT an offset ("2017-12-18 14:56:00", or a date for daily bars), newest first, in the
 * zone the meta data's "Time Zone" names (US/Eastern: EST or EDT by date, converted here through the runtime's
 * time-zone database); the series key depends on the interval ("Time Series (1min)"); the adjusted daily
 * series has "5. adjusted close" and "6. volume" where the plain one has "5. volume". Errors and limits are
 * HTTP 200 bodies: {"Note"}/{"Information"} (rate limit), {"Error Message"} (any invalid call).
 * A daily bar starts at midnight of its date in the exchange's zone; an intraday key is taken as the bar's
 * start (the documentation does not say, and the recorded series cannot tell).
 */
import { z } from "zod";
import { ApiError } from "../errors";
import { malformed, parseJson, rateLimited } from "./http";
import { requireFewRequests, splitBySpan, type Bar, type BarInterval, type BarPage, type BarQuery, type HistoryProvider } from "./history";
import { requireApiKey } from "./parse";

const NAME = "alpha_vantage";
const RETRY_AFTER_SECONDS = 60;
const DAY = 86_400_000;
/** outputsize=compact holds the newest 100 bars: for daily bars, safely the last 130 calendar days. */
const COMPACT_DAILY_SPAN = 130 * DAY;

const AV_INTERVAL: Readonly<Partial<Record<BarInterval, string>>> = {
  "1m": "1min",
  "5m": "5min",
  "15m": "15min",
  "30m": "30min",
  "1h": "60min",
};

const Envelope = z
  .object({
    "Meta Data": z.record(z.string(), z.string()).optional(),
    Note: z.string().optional(),
    Information: z.string().optional(),
    "Error Message": z.string().optional(),
  })
  .catchall(z.unknown());

const Decimal = z
  .string()
  .regex(/^\d+(\.\d+)?$/, "a decimal number as a string")
  .transform(Number);

const SeriesEntry = z.union([
  z.object({
    "1. open": Decimal,
    "2. high": Decimal,
    "3. low": Decimal,
    "4. close": Decimal,
    "5. adjusted close": Decimal,
    "6. volume": Decimal,
  }),
  z.object({ "1. open": Decimal, "2. high": Decimal, "3. low": Decimal, "4. close": Decimal, "5. volume": Decimal }),
]);

const LocalTime = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/;
/** Older zone names Alpha Vantage uses; the runtime may know only the canonical ones. */
const CANONICAL_ZONE: Readonly<Record<string, string>> = { "US/Eastern": "America/New_York" };

/** How far `zone` is ahead of UTC at `instant`, in ms (negative west of Greenwich). */
function zoneOffsetAt(instant: number, zone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(instant);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * A local wall-clock time in `zone` as epoch ms. The offset is looked up at the instant the wall-clock time
 * would be in UTC, then once more at the corrected instant, which settles it on either side of a DST switch.
 */
export function localTimeToEpoch(local: string, zone: string): number | undefined {
  const match = LocalTime.exec(local);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map((value) => Number(value ?? 0)) as number[];
  const wall = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  const timeZone = CANONICAL_ZONE[zone] ?? zone;
  const first = wall - zoneOffsetAt(wall, timeZone);
  return wall - zoneOffsetAt(first, timeZone);
}

function timeZoneOf(meta: Record<string, string> | undefined): string {
  const zone = Object.entries(meta ?? {}).find(([key]) => key.endsWith("Time Zone"))?.[1];
  if (!zone) throw malformed(NAME, 'no "Time Zone" in "Meta Data"');
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: CANONICAL_ZONE[zone] ?? zone });
  } catch {
    throw malformed(NAME, `unknown time zone ${zone}`);
  }
  return zone;
}

/** An answer without a series: a rate limit, an invalid call, or something else. */
function refusal(envelope: z.infer<typeof Envelope>): ApiError {
  // Detected by key, never by wording: the texts change every few years, the keys have not.
  if (envelope.Note !== undefined || envelope.Information !== undefined) return rateLimited(NAME, RETRY_AFTER_SECONDS);
  if (envelope["Error Message"] !== undefined) {
    return new ApiError("provider_error", `${NAME} refused the request: ${envelope["Error Message"]}`, { provider: NAME });
  }
  return malformed(NAME, "no time series");
}

function barsOf(series: Record<string, unknown>, zone: string): Bar[] {
  const bars: Bar[] = [];
  for (const [local, value] of Object.entries(series)) {
    const timestamp = localTimeToEpoch(local, zone);
    const entry = SeriesEntry.safeParse(value);
    if (timestamp === undefined || !entry.success) throw malformed(NAME, `unreadable bar ${local}`);
    const values = entry.data;
    const adjusted = "5. adjusted close" in values;
    bars.push({
      timestamp,
      open: values["1. open"],
      high: values["2. high"],
      low: values["3. low"],
      close: values["4. close"],
      volume: adjusted ? values["6. volume"] : values["5. volume"],
      adjustedClose: adjusted ? values["5. adjusted close"] : null,
    });
  }
  // Newest first in the answer; oldest first everywhere else.
  return bars.sort((a, b) => a.timestamp - b.timestamp);
}

/** Calendar months (UTC) that [from, to) touches: one intraday request each. */
function monthWindows(query: BarQuery): BarQuery[] {
  // A month is at least 28 days: a bound on the count before any window is made.
  requireFewRequests(Math.floor((query.to - query.from) / (28 * DAY)));
  const windows: BarQuery[] = [];
  let start = query.from;
  while (start < query.to) {
    const date = new Date(start);
    const nextMonth = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    windows.push({ ...query, from: start, to: Math.min(query.to, nextMonth) });
    start = nextMonth;
  }
  return windows;
}

export const alphaVantageHistory: HistoryProvider = {
  name: NAME,
  intervals: ["1m", "5m", "15m", "30m", "1h", "1d"],
  needsKey: true,
  // One daily request holds the whole history (outputsize=full); intraday is asked one month at a time.
  split: (query) => (query.interval === "1d" ? splitBySpan(query, Number.MAX_SAFE_INTEGER) : monthWindows(query)),
  lookbackMs: () => undefined,

  query({ symbol, interval, from }, config) {
    const apiKey = requireApiKey(NAME, config);
    const intraday = AV_INTERVAL[interval];
    const params = intraday
      ? new URLSearchParams({
          function: "TIME_SERIES_INTRADAY",
          symbol,
          interval: intraday,
          month: new Date(from).toISOString().slice(0, 7),
          outputsize: "full",
          apikey: apiKey,
        })
      : new URLSearchParams({
          function: "TIME_SERIES_DAILY",
          symbol,
          outputsize: Date.now() - from <= COMPACT_DAILY_SPAN ? "compact" : "full",
          apikey: apiKey,
        });
    return { url: `${config.baseUrl}/query?${params.toString()}` };
  },

  transform(response): BarPage {
    if (response.status !== 200) {
      throw new ApiError("provider_error", `${NAME} answered HTTP ${response.status}`, { provider: NAME });
    }
    const envelope = Envelope.safeParse(parseJson(NAME, response.body));
    if (!envelope.success) throw malformed(NAME, "not a time series answer");
    const seriesKey = Object.keys(envelope.data).find((key) => key.startsWith("Time Series"));
    const series = seriesKey === undefined ? undefined : envelope.data[seriesKey];
    if (series === undefined) throw refusal(envelope.data);
    const parsedSeries = z.record(z.string(), z.unknown()).safeParse(series);
    if (!parsedSeries.success) throw malformed(NAME, `"${seriesKey}" is not an object`);
    const zone = timeZoneOf(envelope.data["Meta Data"]);
    return { bars: barsOf(parsedSeries.data, zone), next: null, timeZone: CANONICAL_ZONE[zone] ?? zone };
  },
};
