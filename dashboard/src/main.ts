/**
 * The dashboard (GET /): providers and their health, polling jobs (start, stop), a live chart of one symbol
 * with its moving average, fed by /prices/history and then by /prices/stream, and that symbol's candles
 * (/prices/bars, moved by the same stream; candles-panel.ts).
 */
import { ApiFailure, history, listJobs, listProviders, serverMovingAverage, startJob, stopJob, useApiKey, type Job, type Provider } from "./api";
import { CandlesPanel } from "./candles-panel";
import { describe, element, format } from "./dom";
import { LiveStream } from "./live-stream";
import { PriceChart } from "./price-chart";
import type { DashboardProbe, StreamState } from "./probe";

const JOBS_REFRESH_MS = 3_000;
const PROVIDERS_REFRESH_MS = 10_000;
const JOBS_SHOWN = 25;
const API_KEY_STORAGE = "market-data-service.api-key";

/** A table cell with text (never HTML: symbols and errors come from outside). */
function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function showMessage(text: string | undefined): void {
  const message = element<HTMLParagraphElement>("message");
  message.hidden = text === undefined;
  message.textContent = text ?? "";
}

// --- providers ------------------------------------------------------------------------------------------

let providersLoaded = false;

function fillProviderChoices(providers: Provider[]): void {
  for (const select of [element<HTMLSelectElement>("watch-provider"), element<HTMLSelectElement>("job-provider")]) {
    select.replaceChildren(
      ...providers.map((provider) => {
        const option = new Option(provider.configured ? provider.name : `${provider.name} (no key)`, provider.name);
        option.disabled = !provider.configured;
        option.selected = provider.default === true;
        return option;
      }),
    );
  }
}

async function refreshProviders(): Promise<void> {
  const providers = await listProviders();
  element("providers").replaceChildren(
    ...providers.map((provider) => {
      const row = document.createElement("tr");
      const health = provider.health;
      row.append(
        cell(provider.default ? `${provider.name} (default)` : provider.name),
        cell(provider.configured ? "yes" : "no: needs an API key"),
        cell(`${provider.min_interval} s`),
        cell(provider.batch ? "yes" : "no"),
        health ? cell(health.status, `health-${health.status}`) : cell("offline: always available", "health-ok"),
        cell(health?.latency_ms == null ? "—" : `${Math.round(health.latency_ms)} ms`),
        cell(health?.last_error ?? "", "error"),
      );
      return row;
    }),
  );
  if (!providersLoaded) {
    providersLoaded = true;
    fillProviderChoices(providers);
    watch();
  }
}

// --- jobs -----------------------------------------------------------------------------------------------

async function refreshJobs(): Promise<void> {
  const jobs = await listJobs();
  element("jobs").replaceChildren(...jobs.slice(0, JOBS_SHOWN).map(jobRow));
}

function jobRow(job: Job): HTMLTableRowElement {
  const row = document.createElement("tr");
  row.dataset["jobId"] = job.job_id;
  const symbols = document.createElement("td");
  job.config.symbols.slice(0, 10).forEach((symbol, index) => {
    if (index > 0) symbols.append(", ");
    const link = document.createElement("a");
    link.href = "#";
    link.textContent = symbol;
    link.title = `watch ${symbol}`;
    link.addEventListener("click", (click) => {
      click.preventDefault();
      watch(symbol, job.config.provider);
    });
    symbols.append(link);
  });
  if (job.config.symbols.length > 10) symbols.append(` and ${job.config.symbols.length - 10} more`);
  const actions = document.createElement("td");
  if (job.status === "active") {
    const stop = document.createElement("button");
    stop.className = "stop";
    stop.textContent = "Stop";
    stop.addEventListener("click", () => {
      stop.disabled = true;
      stopJob(job.job_id)
        .then(refreshJobs)
        .then(() => showMessage(undefined))
        .catch((error: unknown) => showMessage(`Stopping the job failed: ${describe(error)}`));
    });
    actions.append(stop);
  }
  row.append(
    cell(job.job_id.slice(0, 8), "id"),
    symbols,
    cell(`${job.config.interval} s`),
    cell(job.config.provider),
    cell(job.status),
    cell(String(job.runs)),
    cell(String(job.errors)),
    cell(job.last_error ?? "", "error"),
    actions,
  );
  return row;
}

element<HTMLFormElement>("job-form").addEventListener("submit", (submit) => {
  submit.preventDefault();
  const symbols = element<HTMLInputElement>("job-symbols")
    .value.split(",")
    .map((symbol) => symbol.trim().toUpperCase())
    .filter((symbol) => symbol !== "");
  const provider = element<HTMLSelectElement>("job-provider").value;
  const button = element<HTMLButtonElement>("start-job");
  button.disabled = true;
  startJob(symbols, Number(element<HTMLInputElement>("job-interval").value), provider)
    .then(async () => {
      showMessage(undefined);
      await refreshJobs();
      // Starting a job is how one gets something to watch: watch its first symbol.
      if (symbols[0]) watch(symbols[0], provider);
    })
    .catch((error: unknown) => showMessage(`Starting the job failed: ${describe(error)}`))
    .finally(() => {
      button.disabled = false;
    });
});

// --- live chart -----------------------------------------------------------------------------------------

const maWindowInput = element<HTMLInputElement>("ma-window");
const chart = new PriceChart(element("chart"), maWindow());
const candles = new CandlesPanel();
let stream: LiveStream | undefined;
let watched: { symbol: string; provider: string } | undefined;
let streamState: StreamState = "stopped";
let serverAverage: number | undefined;
let serverAverageAsked = false;
let serverAverageStale = false;

function maWindow(): number {
  const window = Number(maWindowInput.value);
  return Number.isInteger(window) && window >= 1 && window <= 1000 ? window : 5;
}

function showFigures(): void {
  element("last-price").textContent = format(chart.lastPrice);
  element("client-ma").textContent = chart.lastAverage === undefined ? `needs ${maWindow()} points` : format(chart.lastAverage);
  element("point-count").textContent = String(chart.pointCount);
}

/** The server's moving average, one request at a time: a burst of events asks once more at the end. */
async function refreshServerAverage(): Promise<void> {
  if (!watched) return;
  if (serverAverageAsked) {
    serverAverageStale = true;
    return;
  }
  const { symbol, provider } = watched;
  const shown = element("server-ma");
  // The server has no more points than the chart (which holds the last 1000): it would answer 404.
  if (chart.pointCount < maWindow()) {
    shown.textContent = `needs ${maWindow()} points`;
    return;
  }
  serverAverageAsked = true;
  try {
    const answer = await serverMovingAverage(symbol, provider, maWindow());
    if (watched?.symbol !== symbol) return;
    serverAverage = answer.moving_average;
    shown.textContent = format(answer.moving_average);
    // The server's newest point may be a second ahead of or behind the chart's: say which one it is.
    element("server-ma-as-of").textContent = `as of ${new Date(answer.as_of).toLocaleTimeString()}`;
  } catch (error) {
    serverAverage = undefined;
    element("server-ma-as-of").textContent = "";
    shown.textContent = error instanceof ApiFailure && error.code === "insufficient_data" ? `needs ${maWindow()} points` : "unavailable";
    shown.title = describe(error);
  } finally {
    serverAverageAsked = false;
    if (serverAverageStale) {
      serverAverageStale = false;
      void refreshServerAverage();
    }
  }
}

function setStreamState(state: StreamState, detail: string): void {
  streamState = state;
  const status = element("stream-status");
  status.dataset["state"] = state;
  status.textContent = watched ? `${watched.symbol}: ${detail}` : detail;
}

function watch(symbol = element<HTMLInputElement>("watch-symbol").value, provider = element<HTMLSelectElement>("watch-provider").value): void {
  const upper = symbol.trim().toUpperCase();
  if (upper === "" || provider === "") return;
  element<HTMLInputElement>("watch-symbol").value = upper;
  element<HTMLSelectElement>("watch-provider").value = provider;
  stream?.stop();
  chart.clear();
  serverAverage = undefined;
  element("server-ma").textContent = "—";
  element("server-ma-as-of").textContent = "";
  watched = { symbol: upper, provider };
  showFigures();
  candles.follow(upper, provider);
  let historyLoaded = false;
  stream = new LiveStream(upper, provider, {
    // History is read once the stream is live, so no point falls between the two (the chart dedupes).
    onLive: () => {
      if (historyLoaded) return;
      historyLoaded = true;
      history(upper, provider)
        .then((points) => {
          chart.add(points);
          showFigures();
          return refreshServerAverage();
        })
        .catch((error: unknown) => showMessage(`Loading the history failed: ${describe(error)}`));
    },
    onEvent: (event) => {
      candles.fold(event);
      if (chart.add([event]) > 0) {
        showFigures();
        void refreshServerAverage();
      }
    },
    onState: setStreamState,
  });
}

element<HTMLFormElement>("watch-form").addEventListener("submit", (submit) => {
  submit.preventDefault();
  watch();
});

maWindowInput.addEventListener("change", () => {
  chart.setWindow(maWindow());
  showFigures();
  void refreshServerAverage();
});

// --- API key and start-up -------------------------------------------------------------------------------

const apiKeyInput = element<HTMLInputElement>("api-key");
apiKeyInput.value = localStorage.getItem(API_KEY_STORAGE) ?? "";
useApiKey(apiKeyInput.value);
apiKeyInput.addEventListener("change", () => {
  localStorage.setItem(API_KEY_STORAGE, apiKeyInput.value);
  useApiKey(apiKeyInput.value);
  void refreshAll();
});

async function refreshAll(): Promise<void> {
  try {
    await Promise.all([refreshProviders(), refreshJobs()]);
  } catch (error) {
    showMessage(`The service did not answer as expected: ${describe(error)}`);
  }
}

declare global {
  interface Window {
    __dashboard: DashboardProbe;
  }
}

window.__dashboard = {
  get symbol() {
    return watched?.symbol;
  },
  get points() {
    return chart.pointCount;
  },
  get maPoints() {
    return chart.averageCount;
  },
  get lastPrice() {
    return chart.lastPrice;
  },
  get movingAverage() {
    return chart.lastAverage;
  },
  get serverMovingAverage() {
    return serverAverage;
  },
  get stream() {
    return streamState;
  },
  get candles() {
    return candles.probe();
  },
};

void refreshAll();
setInterval(() => void refreshJobs().catch(() => undefined), JOBS_REFRESH_MS);
setInterval(() => void refreshProviders().catch(() => undefined), PROVIDERS_REFRESH_MS);
