import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * deskbolt's Prometheus metrics, on prom-client (the Node client most exporters and dashboards assume),
 * with Node's default process, heap, GC and event-loop metrics beside deskbolt's own. Everything a
 * scrape returns is kept in memory as things happen; no scrape reads the database (see gauge()).
 */
export type Labels = Record<string, string>;

/** Seconds; from a fast Slack ack to a slow listener that waits on the Web API. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Series per metric beyond which new label sets fold into one `other` series, so a bug cannot eat memory. */
const MAX_SERIES = 500;
const MAX_LABEL_LENGTH = 100;

/** How often the gauges read from the database are refreshed, whatever the number of scrapers. */
export const GAUGE_REFRESH_MS = 30_000;

/** Read by refreshGauges(), not by a scrape: queue sizes come from the database. */
export type GaugeReader = () => Promise<{ labels: Labels; value: number }[]>;

export type JobOutcome = 'ok' | 'failed' | 'skipped';
export type ListenerOutcome = 'ok' | 'failed';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** prom-client keeps every label set it is given; this caps them per metric and clips long values. */
class SeriesLimit {
  private readonly seen = new Set<string>();

  labels(labels: Labels): Labels {
    const clean = Object.fromEntries(
      Object.entries(labels).map(([name, value]) => [name, value.slice(0, MAX_LABEL_LENGTH)]),
    );
    const key = JSON.stringify(Object.entries(clean).sort());
    if (this.seen.has(key)) return clean;
    if (this.seen.size >= MAX_SERIES) return Object.fromEntries(Object.keys(clean).map((name) => [name, 'other']));
    this.seen.add(key);
    return clean;
  }

  reset(): void {
    this.seen.clear();
  }
}

interface ReadGauge {
  gauge: Gauge;
  limit: SeriesLimit;
  read: GaugeReader;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly limits = new Map<object, SeriesLimit>();
  private readonly httpRequests = this.counter(
    'deskbolt_http_requests_total',
    'HTTP requests by method, route and status code.',
    ['method', 'route', 'status'],
  );
  private readonly httpLatency = this.histogram(
    'deskbolt_http_request_duration_seconds',
    'HTTP request time by method and route, until the response is sent.',
    ['method', 'route'],
  );
  private readonly listenerRuns = this.counter(
    'deskbolt_slack_listener_runs_total',
    'Slack requests handled, by kind, id and outcome.',
    ['kind', 'id', 'outcome'],
  );
  private readonly listenerLatency = this.histogram(
    'deskbolt_slack_listener_duration_seconds',
    'Slack listener time, ack and the work after it, by kind and id.',
    ['kind', 'id'],
  );
  private readonly jobRuns = this.counter('deskbolt_job_runs_total', 'Scheduled job runs by job and outcome.', [
    'job',
    'outcome',
  ]);
  private readonly jobLatency = this.histogram('deskbolt_job_duration_seconds', 'Scheduled job run time by job.', [
    'job',
  ]);
  private readonly readGauges: ReadGauge[] = [];
  private refreshing: Promise<void> | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  httpRequest(method: string, route: string, status: number, ms: number): void {
    this.inc(this.httpRequests, { method, route, status: String(status) });
    this.observe(this.httpLatency, { method, route }, ms / 1000);
  }

  /** `kind` is command, action, view, shortcut or event; `id` the command, action_id, callback_id or event type. */
  slackListener(kind: string, id: string, outcome: ListenerOutcome, ms: number): void {
    this.inc(this.listenerRuns, { kind, id, outcome });
    this.observe(this.listenerLatency, { kind, id }, ms / 1000);
  }

  /** For the scheduled jobs: one call per run, with how it ended and how long it took. */
  jobRun(job: string, outcome: JobOutcome, ms: number): void {
    this.inc(this.jobRuns, { job, outcome });
    this.observe(this.jobLatency, { job }, ms / 1000);
  }

  /**
   * A gauge whose values are read (from the database) by refreshGauges(), which the app runs every
   * GAUGE_REFRESH_MS: a scrape only prints what the last refresh found, so thirty scrapers cost what
   * one does. Before: each scrape scanned the queues, and 30 scrapers slowed /ticket queue twentyfold.
   */
  gauge(name: string, help: string, labelNames: readonly string[], read: GaugeReader): void {
    const gauge = new Gauge({ name, help, labelNames, registers: [this.registry] });
    this.readGauges.push({ gauge, limit: new SeriesLimit(), read });
  }

  /** Reads every gauge once; a read already running is joined, not doubled. A gauge that fails to read is left empty: the gap is the signal. */
  refreshGauges(): Promise<void> {
    this.refreshing ??= (async () => {
      for (const { gauge, limit, read } of this.readGauges) {
        try {
          const values = await read();
          gauge.reset();
          limit.reset();
          for (const { labels, value } of values) gauge.set(limit.labels(labels), value);
        } catch {
          gauge.reset();
        }
      }
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Refreshes the gauges now and then every `everyMs`, without keeping the process alive; returns the stop. */
  refreshGaugesEvery(everyMs: number): () => void {
    void this.refreshGauges();
    const timer = setInterval(() => void this.refreshGauges(), everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The exposition text, from memory. */
  async render(): Promise<string> {
    // prom-client 15 writes NaN as "Nan" (lib/util.js); the format spells it NaN. Prometheus itself
    // parses either, stricter readers do not. (The event-loop mean is NaN until a sample exists.)
    return (await this.registry.metrics()).replace(/ Nan$/gm, ' NaN');
  }

  private counter(name: string, help: string, labelNames: string[]): Counter {
    const counter = new Counter({ name, help, labelNames, registers: [this.registry] });
    this.limits.set(counter, new SeriesLimit());
    return counter;
  }

  private histogram(name: string, help: string, labelNames: string[]): Histogram {
    const histogram = new Histogram({
      name,
      help,
      labelNames,
      buckets: [...LATENCY_BUCKETS],
      registers: [this.registry],
    });
    this.limits.set(histogram, new SeriesLimit());
    return histogram;
  }

  private inc(counter: Counter, labels: Labels): void {
    counter.inc(this.limits.get(counter)!.labels(labels));
  }

  private observe(histogram: Histogram, labels: Labels, value: number): void {
    histogram.observe(this.limits.get(histogram)!.labels(labels), value);
  }
}
