import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import type { ApiHooks } from './http/api.js';
import { createHttpApp, registerQueueGauge } from './http/server.js';
import { Metrics } from './metrics.js';
import { deskJobs } from './jobs/desk-jobs.js';
import type { Job } from './jobs/job.js';
import { jobRunner, type JobRunner } from './jobs/runner.js';
import { scheduleJobs, type Schedules } from './jobs/scheduler.js';
import { createSlackApp, type SlackApp } from './slack/app.js';
import type { Sleep } from './slack/slack-fetch.js';
import { refreshHome } from './slack/home.js';
import { requesterWroteAgain, ticketCreated, type Log } from './slack/notify.js';
import type { Store } from './store/store.js';
import type { Desk } from './tickets/desk.js';
import { Directory } from './workspace/directory.js';
import type { Workspace } from './workspace/schema.js';

export interface DeskboltOptions {
  config: Config;
  workspace: Workspace;
  store: Store;
  clock?: Clock;
  log?: Log;
  /**
   * Run the jobs on their cron schedules (the default). Tests pass false and run a job when they
   * choose, through `jobs.run(job)`, with the clock they move.
   */
  schedule?: boolean;
  /** The jobs to run; every desk job unless given. */
  jobs?: readonly Job[];
  /** How a Slack call waits to be tried again (Retry-After); tests pass their clock's. */
  sleep?: Sleep;
}

export interface Deskbolt {
  desk: Desk;
  slack: SlackApp;
  /** Prometheus counters; the jobs report their runs here with metrics.jobRun(name, outcome, ms). */
  metrics: Metrics;
  /** Where Slack sends requests (HTTP mode): http://host:port/slack/events */
  url: string;
  port: number;
  /** Runs a job now under its lease, as a cron tick would. */
  jobs: JobRunner;
  /** Resolves when every Slack listener started so far has finished. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export const defaultLog: Log = (line, error) => {
  if (error && process.env.DESKBOLT_DEBUG) console.error(line, error);
  else console.error(line);
};

/** One replica: the Slack app, the HTTP server and the jobs, on an open store. */
export async function startDeskbolt(options: DeskboltOptions): Promise<Deskbolt> {
  const { config, store } = options;
  const log = options.log ?? defaultLog;
  const desk: Desk = {
    store,
    directory: new Directory(options.workspace),
    clock: options.clock ?? systemClock,
    settings: {
      pendingCloseDays: config.pendingCloseDays,
      solvedCloseDays: config.solvedCloseDays,
      transferExpirySeconds: config.transferExpirySeconds,
      timeZone: config.timeZone,
      publicUrl: config.publicUrl,
    },
  };
  const metrics = new Metrics();
  registerQueueGauge(metrics, store, desk.directory);
  // Filled once the Slack app exists: the API tells Slack of tickets that came in by email or web.
  const hooks: ApiHooks = {};
  const http = createHttpApp({ store, metrics, api: { desk, log, hooks } });
  const slack = createSlackApp(
    {
      signingSecret: config.slack.signingSecret,
      botToken: config.slack.botToken,
      appToken: config.slack.appToken,
      apiUrl: config.slack.apiUrl,
      http,
      logLevel: config.logLevel,
      ...(options.sleep ? { sleep: options.sleep } : {}),
    },
    { desk, log, metrics },
  );
  const client = slack.client;
  hooks.ticketCreated = (ticket) => ticketCreated(client, desk, log, ticket, null);
  hooks.requesterReplied = async (result) => {
    await requesterWroteAgain(client, desk, log, result);
    if (result.ticket.assignee) await refreshHome(client, desk, result.ticket.assignee, { log });
  };
  hooks.surveyAnswered = async (result) => {
    if (result.survey.agent) await refreshHome(client, desk, result.survey.agent, { log });
  };
  const server: Server = await new Promise((resolve, reject) => {
    const listening = http.listen(config.port, () => resolve(listening));
    listening.once('error', reject);
  });
  await slack.start();
  const jobs = jobRunner(desk, slack.client, log, metrics);
  const schedules: Schedules | null =
    options.schedule === false ? null : scheduleJobs(options.jobs ?? deskJobs, jobs, desk.settings.timeZone, log);
  const port = (server.address() as AddressInfo).port;
  return {
    desk,
    slack,
    metrics,
    url: `http://127.0.0.1:${port}/slack/events`,
    port,
    jobs,
    settled: () => slack.settled(),
    async close() {
      await schedules?.stop();
      await slack.stop();
      await slack.settled();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
