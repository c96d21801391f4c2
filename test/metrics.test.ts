import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../src/metrics.js';
import { openTicket } from '../src/tickets/intake.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people, testWorkspace } from './support/workspace.js';

const SAMPLE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*",?)*\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN)$/;

/** Checks the Prometheus text format line by line; returns the samples as "name{labels}" → value. */
function parseExposition(text: string): Map<string, number> {
  expect(text.endsWith('\n')).toBe(true);
  const samples = new Map<string, number>();
  const typed = new Map<string, string>();
  for (const line of text.trimEnd().split('\n')) {
    // The format ignores empty lines (prometheus.io, "Exposition formats"); prom-client puts one between families.
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(meta[3]);
        expect(typed.has(meta[2]!), `one TYPE line for ${meta[2]}`).toBe(false);
        typed.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const sample = SAMPLE.exec(line);
    expect(sample, `a valid sample line: ${line}`).not.toBeNull();
    const family = sample![1]!.replace(/_(bucket|sum|count)$/, '');
    expect(typed.has(family) || typed.has(sample![1]!), `TYPE before ${line}`).toBe(true);
    samples.set(`${sample![1]}${sample![2] ?? ''}`, Number(sample![3] === '+Inf' ? Infinity : sample![3]));
  }
  return samples;
}

describe('metrics', () => {
  it('renders counters, cumulative histograms and escaped labels in the text format', async () => {
    const metrics = new Metrics();
    metrics.jobRun('auto-close', 'ok', 30);
    metrics.jobRun('auto-close', 'ok', 700);
    metrics.jobRun('auto-close', 'failed', 20_000);
    metrics.slackListener('action', 'weird "id"\\with\nnewline', 'ok', 1);
    metrics.gauge('deskbolt_test_gauge', 'A gauge.', ['group'], async () => [
      { labels: { group: 'Billing' }, value: 3 },
    ]);
    metrics.gauge('deskbolt_broken_gauge', 'Fails to read.', ['group'], async () => {
      throw new Error('database down');
    });
    await metrics.refreshGauges();
    const text = await metrics.render();
    const samples = parseExposition(text);
    expect(samples.get('deskbolt_job_runs_total{job="auto-close",outcome="ok"}')).toBe(2);
    expect(samples.get('deskbolt_job_runs_total{job="auto-close",outcome="failed"}')).toBe(1);
    expect(samples.get('deskbolt_job_duration_seconds_bucket{le="0.05",job="auto-close"}')).toBe(1);
    expect(samples.get('deskbolt_job_duration_seconds_bucket{le="1",job="auto-close"}')).toBe(2);
    expect(samples.get('deskbolt_job_duration_seconds_bucket{le="10",job="auto-close"}')).toBe(2);
    expect(samples.get('deskbolt_job_duration_seconds_bucket{le="+Inf",job="auto-close"}')).toBe(3);
    expect(samples.get('deskbolt_job_duration_seconds_count{job="auto-close"}')).toBe(3);
    expect(samples.get('deskbolt_job_duration_seconds_sum{job="auto-close"}')).toBeCloseTo(20.73);
    expect(text).toContain('id="weird \\"id\\"\\\\with\\nnewline"');
    expect(samples.get('deskbolt_test_gauge{group="Billing"}')).toBe(3);
    expect(text).not.toContain('deskbolt_broken_gauge{');
  });

  it('folds label sets beyond its series limit into one series instead of growing without bound', async () => {
    const metrics = new Metrics();
    for (let i = 0; i < 600; i++) metrics.jobRun(`job-${i}`, 'ok', 1);
    const samples = parseExposition(await metrics.render());
    const runs = [...samples.keys()].filter((key) => key.startsWith('deskbolt_job_runs_total'));
    expect(runs).toHaveLength(501);
    expect(samples.get('deskbolt_job_runs_total{job="other",outcome="other"}')).toBe(100);
  });

  describe('GET /metrics on a running desk', () => {
    let desk: TestDesk;
    let origin: string;
    const key = 'metrics-test-key-0123456789';
    beforeAll(async () => {
      desk = await startTestDesk({
        workspace: testWorkspace({
          apiKeys: [{ name: 'bridge', sha256: createHash('sha256').update(key).digest('hex'), scope: 'all' }],
        }),
      });
      origin = `http://127.0.0.1:${desk.deskbolt.port}`;
    });
    afterAll(async () => {
      await desk.close();
    });

    it('counts requests by route pattern, Slack listeners by kind and id, queue sizes and job runs', async () => {
      const d = desk.deskbolt.desk;
      // Other tests of this block file tickets too (in any order): the queue sizes are counted from here.
      await desk.deskbolt.metrics.refreshGauges();
      const start = parseExposition(await desk.deskbolt.metrics.render());
      const waiting = (group: string) => start.get(`deskbolt_queue_unassigned_tickets{${group}}`) ?? 0;
      const billing: number[] = [];
      for (const subject of ['One', 'Two', 'Three']) {
        const opened = await openTicket(
          d,
          { subject, requester: { kind: 'slack', userId: people.customer }, groupId: 10 },
          { actor: { kind: 'requester', id: people.customer }, channel: 'slack', source: { kind: 'dm' } },
        );
        if (opened.ok) billing.push(opened.ticket.number);
      }
      await openTicket(
        d,
        { subject: 'Four', requester: { kind: 'slack', userId: people.customer }, groupId: 20 },
        { actor: { kind: 'requester', id: people.customer }, channel: 'slack', source: { kind: 'dm' } },
      );
      for (const number of [424242, 424243])
        await fetch(`${origin}/api/v1/tickets/${number}`, { headers: { Authorization: `Bearer ${key}` } });
      await fetch(`${origin}/healthz`);
      await desk.slack.command(people.ana, '/ticket', `take ${billing[0]}`);
      await desk.slack.event({ type: 'app_home_opened', user: people.ana, tab: 'home' });
      await desk.settled();
      desk.deskbolt.metrics.jobRun('auto-close', 'ok', 42);
      await desk.deskbolt.metrics.refreshGauges();

      const response = await fetch(`${origin}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const samples = parseExposition(await response.text());
      expect(
        samples.get('deskbolt_http_requests_total{method="GET",route="/api/v1/tickets/:number",status="404"}'),
      ).toBe(2);
      expect(
        samples.get('deskbolt_http_request_duration_seconds_count{method="GET",route="/api/v1/tickets/:number"}'),
      ).toBe(2);
      expect(samples.get('deskbolt_http_requests_total{method="GET",route="/healthz",status="200"}')).toBe(1);
      expect(samples.get('deskbolt_http_requests_total{method="POST",route="/slack/events",status="200"}')).toBe(2);
      expect(samples.get('deskbolt_slack_listener_runs_total{kind="command",id="/ticket",outcome="ok"}')).toBe(1);
      expect(samples.get('deskbolt_slack_listener_runs_total{kind="event",id="app_home_opened",outcome="ok"}')).toBe(1);
      expect(samples.get('deskbolt_slack_listener_duration_seconds_count{kind="command",id="/ticket"}')).toBe(1);
      // Three waited in Billing and one was taken; PayOps has one.
      expect(samples.get('deskbolt_queue_unassigned_tickets{group_id="10",group="Billing"}')).toBe(
        waiting('group_id="10",group="Billing"') + 2,
      );
      expect(samples.get('deskbolt_queue_unassigned_tickets{group_id="20",group="PayOps"}')).toBe(
        waiting('group_id="20",group="PayOps"') + 1,
      );
      expect(samples.get('deskbolt_job_runs_total{job="auto-close",outcome="ok"}')).toBe(1);
      // Node's own, from prom-client: CPU, memory and the event loop.
      expect(samples.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(samples.get('process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(samples.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
    });

    it('answers a scrape from memory: queue sizes are what the last refresh read, never a query of their own', async () => {
      const queued = async () =>
        parseExposition(await (await fetch(`${origin}/metrics`)).text()).get(
          'deskbolt_queue_unassigned_tickets{group_id="20",group="PayOps"}',
        );
      await desk.deskbolt.metrics.refreshGauges();
      const before = await queued();
      await openTicket(
        desk.deskbolt.desk,
        { subject: 'Five', requester: { kind: 'slack', userId: people.customer }, groupId: 20 },
        { actor: { kind: 'requester', id: people.customer }, channel: 'slack', source: { kind: 'dm' } },
      );

      expect(await queued()).toBe(before);
      await desk.deskbolt.metrics.refreshGauges();
      expect(await queued()).toBe(before! + 1);
    });
  });

  describe('kept off the public port', () => {
    const token = 'metrics-token-0123456789abcdef';
    let desk: TestDesk;
    afterEach(async () => {
      await desk.close();
    });

    it('serves /metrics on METRICS_PORT only, when one is set', async () => {
      desk = await startTestDesk({ config: { metricsPort: 0 } });
      expect(desk.deskbolt.metricsPort).toBeGreaterThan(0);

      expect((await fetch(`http://127.0.0.1:${desk.deskbolt.port}/metrics`)).status).toBe(404);
      const response = await fetch(`http://127.0.0.1:${desk.deskbolt.metricsPort}/metrics`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('# TYPE deskbolt_http_requests_total counter');
    });

    it('asks for the bearer token when METRICS_TOKEN is set', async () => {
      desk = await startTestDesk({ config: { metricsToken: token } });
      const scrape = (authorization?: string) =>
        fetch(
          `http://127.0.0.1:${desk.deskbolt.port}/metrics`,
          authorization ? { headers: { Authorization: authorization } } : {},
        );

      expect((await scrape()).status).toBe(401);
      expect((await scrape(`Bearer ${token}x`)).status).toBe(401);
      const allowed = await scrape(`Bearer ${token}`);
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toContain('deskbolt_http_requests_total');
    });
  });
});
