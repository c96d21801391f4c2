/**
 * A small Prometheus registry: counters, histograms and gauges read at scrape time, rendered in the
 * text exposition format (version 0.0.4). Written here rather than pulled in: deskbolt needs a dozen
 * series, and the format is a page long.
 */
export type Labels = Record<string, string>;

/** Seconds; from a fast Slack ack to a slow listener that waits on the Web API. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Series per metric beyond which new label sets fold into one `other` series, so a bug cannot eat memory. */
const MAX_SERIES = 500;
const MAX_LABEL_LENGTH = 100;

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'histogram' | 'gauge';
}

class Counter implements Family {
  readonly type = 'counter';
  private readonly series = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels, by = 1): void {
    const [key, clean] = seriesKey(labels, this.series);
    const entry = this.series.get(key) ?? { labels: clean, value: 0 };
    entry.value += by;
    this.series.set(key, entry);
  }

  lines(): string[] {
    return [...this.series.values()].map((entry) => `${this.name}${labelText(entry.labels)} ${formatNumber(entry.value)}`);
  }
}

class Histogram implements Family {
  readonly type = 'histogram';
  private readonly series = new Map<string, { labels: Labels; buckets: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, private readonly bounds: readonly number[] = LATENCY_BUCKETS) {}

  observe(labels: Labels, value: number): void {
    const [key, clean] = seriesKey(labels, this.series);
    const entry = this.series.get(key) ?? { labels: clean, buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
    this.bounds.forEach((bound, index) => {
      if (value <= bound) entry.buckets[index]! += 1;
    });
    entry.sum += value;
    entry.count += 1;
    this.series.set(key, entry);
  }

  lines(): string[] {
    const lines: string[] = [];
    for (const entry of this.series.values()) {
      this.bounds.forEach((bound, index) => {
        lines.push(`${this.name}_bucket${labelText({ ...entry.labels, le: formatNumber(bound) })} ${entry.buckets[index]}`);
      });
      lines.push(`${this.name}_bucket${labelText({ ...entry.labels, le: '+Inf' })} ${entry.count}`);
      lines.push(`${this.name}_sum${labelText(entry.labels)} ${formatNumber(entry.sum)}`);
      lines.push(`${this.name}_count${labelText(entry.labels)} ${entry.count}`);
    }
    return lines;
  }
}

/** A gauge whose values are read when Prometheus scrapes (queue sizes come from the database then). */
export type GaugeReader = () => Promise<{ labels: Labels; value: number }[]>;

export type JobOutcome = 'ok' | 'failed' | 'skipped';
export type ListenerOutcome = 'ok' | 'failed';

export class Metrics {
  private readonly httpRequests = new Counter('deskbolt_http_requests_total', 'HTTP requests by method, route and status code.');
  private readonly httpLatency = new Histogram('deskbolt_http_request_duration_seconds', 'HTTP request time by method and route, until the response is sent.');
  private readonly listenerRuns = new Counter('deskbolt_slack_listener_runs_total', 'Slack requests handled, by kind, id and outcome.');
  private readonly listenerLatency = new Histogram('deskbolt_slack_listener_duration_seconds', 'Slack listener time, ack and the work after it, by kind and id.');
  private readonly jobRuns = new Counter('deskbolt_job_runs_total', 'Scheduled job runs by job and outcome.');
  private readonly jobLatency = new Histogram('deskbolt_job_duration_seconds', 'Scheduled job run time by job.');
  private readonly gauges: { family: Family; read: GaugeReader }[] = [];

  httpRequest(method: string, route: string, status: number, ms: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpLatency.observe({ method, route }, ms / 1000);
  }

  /** `kind` is command, action, view, shortcut or event; `id` the command, action_id, callback_id or event type. */
  slackListener(kind: string, id: string, outcome: ListenerOutcome, ms: number): void {
    this.listenerRuns.inc({ kind, id, outcome });
    this.listenerLatency.observe({ kind, id }, ms / 1000);
  }

  /** For the scheduled jobs: one call per run, with how it ended and how long it took. */
  jobRun(job: string, outcome: JobOutcome, ms: number): void {
    this.jobRuns.inc({ job, outcome });
    this.jobLatency.observe({ job }, ms / 1000);
  }

  gauge(name: string, help: string, read: GaugeReader): void {
    this.gauges.push({ family: { name, help, type: 'gauge' }, read });
  }

  /** The exposition text. A gauge that fails to read is left out rather than failing the scrape. */
  async render(): Promise<string> {
    const sections: string[] = [];
    const add = (family: Family, lines: string[]) => {
      sections.push(`# HELP ${family.name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${family.name} ${family.type}`, ...lines);
    };
    for (const family of [this.httpRequests, this.httpLatency, this.listenerRuns, this.listenerLatency, this.jobRuns, this.jobLatency]) {
      add(family, family.lines());
    }
    for (const gauge of this.gauges) {
      try {
        const values = await gauge.read();
        add(gauge.family, values.map((entry) => `${gauge.family.name}${labelText(cleanLabels(entry.labels))} ${formatNumber(entry.value)}`));
      } catch {
        // The scrape still answers; the gap in this series is the signal.
      }
    }
    return `${sections.join('\n')}\n`;
  }
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function cleanLabels(labels: Labels): Labels {
  return Object.fromEntries(Object.entries(labels).map(([name, value]) => [name, value.slice(0, MAX_LABEL_LENGTH)]));
}

function seriesKey(labels: Labels, series: ReadonlyMap<string, unknown>): [string, Labels] {
  let clean = cleanLabels(labels);
  let key = JSON.stringify(Object.entries(clean).sort());
  if (!series.has(key) && series.size >= MAX_SERIES) {
    clean = Object.fromEntries(Object.keys(clean).map((name) => [name, 'other']));
    key = JSON.stringify(Object.entries(clean).sort());
  }
  return [key, clean];
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  const escaped = entries.map(([name, value]) => `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return `{${escaped.join(',')}}`;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
