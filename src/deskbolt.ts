import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Application } from 'express';
import { escapeMrkdwn } from '../blocks/text.js';
import { chatPolicies } from './chats/policies.js';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config.js';
import { type MailboxAccess, type MailboxRun, MailboxWatcher, mailboxesOf, readMailboxOnce } from './email/mailbox.js';
import { emailNotifier } from './email/notifier.js';
import { type MailTransport, SmtpMail } from './email/outgoing.js';
import { EventDispatcher } from './events/dispatcher.js';
import { homesKeeper } from './homes/keeper.js';
import { createHttpApp, createMetricsApp, listen, registerQueueGauge } from './http/server.js';
import { deskJobs } from './jobs/desk-jobs.js';
import type { Job } from './jobs/job.js';
import { type JobRunner, jobRunner, replicaId } from './jobs/runner.js';
import { type Schedules, scheduleJobs } from './jobs/scheduler.js';
import { consoleLog, faultMessage, type Log } from './log.js';
import { GAUGE_REFRESH_MS, Metrics } from './metrics.js';
import { createSlackApp, type SlackApp } from './slack/app.js';
import { slackNotifiers } from './slack/notifiers/index.js';
import { SlackOutbox } from './slack/outbox.js';
import { SlackSender } from './slack/sender.js';
import type { Sleep } from './slack/slack-fetch.js';
import type { EmbeddedDatabase } from './store/embedded.js';
import { type Migration, runMigrations } from './store/migrations/index.js';
import { unsafeReplicasWarning } from './store/replicas.js';
import type { Store } from './store/store.js';
import type { DeliverySenders } from './tickets/deliveries.js';
import type { Desk } from './tickets/desk.js';
import { DeskOverlayFollower } from './tickets/desk-admin.js';
import { routingPolicy } from './tickets/routing.js';
import { weekFiguresKeeper } from './tickets/week-figures.js';
import { Directory } from './workspace/directory.js';
import { WorkspaceReloader } from './workspace/reload.js';
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
  /** More routes on the same express app (the sandbox's page and its API), mounted before the Slack receiver's. */
  routes?: (http: Application) => void;
  /** The address to listen on; every interface unless given (the sandbox, which has no sign-in, keeps to loopback). */
  host?: string;
  /** The embedded database main.ts started, if any: /healthz and /readyz report it. */
  embeddedDatabase?: Pick<EmbeddedDatabase, 'state'>;
  /** Where the mailboxes' IMAP URLs are read from (the variables `email.mailboxes[].imap` names); process.env unless given. */
  environment?: Record<string, string | undefined>;
  /** Keep reading the mailboxes (IDLE, polling) in the background: on with the schedules unless said. */
  watchMailboxes?: boolean;
  /** Tests only: how often a watched mailbox is looked at without news, and how long IMAP may stay silent. */
  mailboxPollMs?: number;
  imapSocketTimeoutMs?: number;
  /**
   * Where email deliveries go instead of SMTP_URL's server, as a nodemailer transport: the sandbox, which
   * has no mail server, keeps what is sent in memory for its page. The mail is built exactly as for SMTP.
   */
  mailTransport?: MailTransport;
  /** Tests only: told at each recorded step of a merge or an accepted transfer (see Desk.checkpoint). */
  checkpoint?: Desk['checkpoint'];
  /** How long one Slack Web API call may take; SLACK_CALL_TIMEOUT_MS unless given (tests shorten it). */
  slackCallTimeoutMs?: number;
  /** How long close() waits for work in flight before it leaves the rest to the delivery queue. */
  closeWithinMs?: number;
  /** The file `workspace` was read from: read again on `/ticket admin reload` and reloader.reload(). */
  workspaceFile?: string;
  /** Also reload when the file changes on disk (on with the schedules unless said). */
  watchWorkspace?: boolean;
  /** Tests only: saves closer together than this are one reload. */
  workspaceDebounceMs?: number;
  /** Tests only: the migrations run before the desk serves; every one this code knows unless given. */
  migrations?: readonly Migration[];
}

/** close() waits this long for work in flight; what is left is in the delivery queue, for the next process. */
export const CLOSE_WITHIN_MS = 10_000;

export interface Deskbolt {
  desk: Desk;
  slack: SlackApp;
  /** Prometheus counters; the jobs report their runs here with metrics.jobRun(name, outcome, ms). */
  metrics: Metrics;
  /** Where Slack sends requests (HTTP mode): http://host:port/slack/events */
  url: string;
  port: number;
  /** Where /metrics is served when it has a port of its own (METRICS_PORT). */
  metricsPort: number | undefined;
  /** Runs a job now under its lease, as a cron tick would. */
  jobs: JobRunner;
  /** The mailboxes of the workspace file, and a read of each now (what a poll does; tests and the bench call it). */
  email: {
    mailboxes: MailboxAccess[];
    readNow(): Promise<MailboxRun[]>;
  };
  /** Reads the workspace file again (null without one): main.ts calls it on SIGHUP. */
  workspace: WorkspaceReloader | null;
  /** What admins manage from Slack, read from the database (tests call refresh() as another replica's interval would). */
  adminOverlay: DeskOverlayFollower;
  /** Resolves when every Slack listener and everything it set off (the notifiers' telling) has finished. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export const defaultLog: Log = consoleLog;

/** How soon an admin's change made on another replica is seen here. */
const ADMIN_OVERLAY_REFRESH_MS = 5_000;

/**
 * One replica: the Slack app, the HTTP server and the jobs, on an open store. The composition root
 * is where workflows meet the people they affect: the event dispatcher hands what the workflows did
 * to the Slack notifiers, and nothing else knows who is told.
 */
export async function startDeskbolt(options: DeskboltOptions): Promise<Deskbolt> {
  const { config, store } = options;
  const log = options.log ?? defaultLog;
  // FerretDB v1's write guard holds inside one process only: a second process on it is said plainly.
  if (store.server.ferretDb?.startsWith('v1.')) {
    const others = await store.replicas.start();
    if (others.length > 0) log(unsafeReplicasWarning(others));
  }
  // Data of an older deskbolt is brought to this code's shape before any request or job reads it.
  const clock = options.clock ?? systemClock;
  try {
    await runMigrations(store.connection.db!, store.leases, {
      owner: replicaId(),
      now: clock,
      log,
      ...(options.migrations ? { migrations: options.migrations } : {}),
    });
  } catch (error) {
    log(`deskbolt: not started, the database could not be brought up to date: ${faultMessage(error)}`, error);
    store.replicas.stop();
    throw error;
  }
  const events = new EventDispatcher(store, log);
  const desk: Desk = {
    store,
    directory: new Directory(options.workspace),
    clock,
    settings: {
      pendingCloseDays: config.pendingCloseDays,
      solvedCloseDays: config.solvedCloseDays,
      transferExpirySeconds: config.transferExpirySeconds,
      timeZone: config.timeZone,
      publicUrl: config.publicUrl,
      sendsMail: config.smtpUrl !== undefined || options.mailTransport !== undefined,
      mailFrom: config.mailFrom,
      fileLinkSecret: config.fileLinkSecret,
    },
    events,
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
  };
  // Before the first request: what admins made in Slack is on the desk from its start.
  const adminOverlay = new DeskOverlayFollower(desk);
  await adminOverlay.refresh();
  const metrics = new Metrics();
  registerQueueGauge(metrics, store, desk.directory);
  // Filled once the Slack app exists: health reports the Socket Mode connections.
  let socketLinks: SlackApp['socketLinks'] = () => null;
  const http = createHttpApp({
    store,
    metrics,
    api: { desk, log },
    socketLinks: () => socketLinks(),
    channels: () => desk.channels?.all() ?? null,
    embeddedDatabase: options.embeddedDatabase,
    serveMetrics: config.metricsPort === undefined,
    metricsToken: config.metricsToken,
  });
  options.routes?.(http);
  const slack = createSlackApp(
    {
      signingSecret: config.slack.signingSecret,
      botToken: config.slack.botToken,
      appToken: config.slack.appToken,
      apiUrl: config.slack.apiUrl,
      http,
      logLevel: config.logLevel,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.slackCallTimeoutMs ? { callTimeoutMs: options.slackCallTimeoutMs } : {}),
    },
    { desk, log, metrics },
  );
  socketLinks = slack.socketLinks;
  const send = new SlackSender(slack.client, log);
  // Everything that matters goes out through the delivery queue: Slack through this outbox, email through the webhook.
  const outbox = new SlackOutbox(desk, slack.client, log, slack.channels);
  const senders: DeliverySenders = outbox.senders;
  // With SMTP_URL, email deliveries go out as mail through the same queue; without, to the outbound webhook.
  const mailServer = options.mailTransport ?? config.smtpUrl;
  const mail = mailServer ? new SmtpMail(desk, mailServer, config.mailFrom) : null;
  if (mail) senders.email = mail.send;
  slack.channels.senders = senders;
  events.subscribe(
    weekFiguresKeeper(desk),
    homesKeeper(desk),
    ...chatPolicies(desk),
    routingPolicy(desk),
    ...slackNotifiers({ desk, outbox, send, log, senders }),
    emailNotifier(desk, senders),
  );

  const server: Server = await listen(http, config.port, 'PORT', options.host);
  const metricsServer =
    config.metricsPort === undefined
      ? undefined
      : await listen(
          createMetricsApp(metrics, config.metricsToken),
          config.metricsPort,
          'METRICS_PORT',
          options.host,
        ).catch(async (error: unknown) => {
          await closeServer(server);
          throw error;
        });
  await slack.start();
  // Said plainly at start: a channel of the workspace file the bot was not invited to (or that is
  // archived) would otherwise swallow every alert meant for it. Slack being unreachable does not stop start.
  await slack.channels
    .checkAll()
    .catch((error: unknown) =>
      log(`slack: the start-up check of the workspace's channels failed: ${faultMessage(error)}`, error),
    );
  const jobs = jobRunner(
    desk,
    { log, senders, redeliverLeftovers: (olderThan, limit) => events.redeliverLeftovers(olderThan, limit) },
    metrics,
  );
  const mailboxes = mailboxesOf(options.workspace, options.environment ?? process.env);
  for (const mailbox of mailboxes)
    if (mailbox.problem) log(`email: ${mailbox.address} is not read: ${mailbox.problem}`);
  const readerOptions = {
    owner: jobs.owner,
    log,
    ...(options.imapSocketTimeoutMs ? { socketTimeoutMs: options.imapSocketTimeoutMs } : {}),
  };
  const watchers =
    (options.watchMailboxes ?? options.schedule !== false)
      ? mailboxes
          .filter((mailbox) => mailbox.imap)
          .map(
            (mailbox) =>
              new MailboxWatcher(desk, mailbox, {
                ...readerOptions,
                ...(options.mailboxPollMs ? { pollMs: options.mailboxPollMs } : {}),
              }),
          )
      : [];
  for (const watcher of watchers) watcher.start();
  const reloader = options.workspaceFile
    ? new WorkspaceReloader({
        desk,
        path: options.workspaceFile,
        log,
        // Admins of the workspace being run at the time: a refused edit cannot remove the people told of it.
        tellAdmins: async (heading, lines) => {
          const text = [escapeMrkdwn(heading), ...lines.map((line) => `• ${escapeMrkdwn(line)}`)].join('\n');
          for (const admin of desk.directory.workspace.agents.filter((agent) => agent.role === 'admin'))
            await send.post('workspace reload', { channel: admin.user, text });
        },
        ...(options.workspaceDebounceMs ? { debounceMs: options.workspaceDebounceMs } : {}),
      })
    : null;
  if (reloader) {
    desk.reloadWorkspace = async (reason) => {
      await adminOverlay.refresh();
      return reloader.reload(reason);
    };
    if (options.watchWorkspace ?? options.schedule !== false) reloader.watch();
  }
  // Another replica's admin changes reach this one within the interval (one small read when nothing changed).
  if (options.schedule !== false)
    adminOverlay.follow(ADMIN_OVERLAY_REFRESH_MS, (error) =>
      log(`admin overlay: could not refresh: ${faultMessage(error)}`),
    );
  const schedules: Schedules | null =
    options.schedule === false ? null : scheduleJobs(options.jobs ?? deskJobs, jobs, desk.settings.timeZone, log);
  // Tests refresh the gauges themselves (metrics.refreshGauges()), as they run the jobs.
  const stopGaugeRefresh = options.schedule === false ? undefined : metrics.refreshGaugesEvery(GAUGE_REFRESH_MS);
  const port = (server.address() as AddressInfo).port;
  const settled = async () => {
    // A listener sets off notifiers, and a notifier may set off more (a placed chat, a posted offer): wait until both are quiet.
    do {
      await slack.settled();
      await events.settled();
    } while (await stillBusy(slack, events));
  };
  return {
    desk,
    slack,
    metrics,
    url: `http://127.0.0.1:${port}/slack/events`,
    port,
    metricsPort: metricsServer ? (metricsServer.address() as AddressInfo).port : undefined,
    jobs,
    email: {
      mailboxes,
      async readNow() {
        const runs: MailboxRun[] = [];
        for (const mailbox of mailboxes) runs.push(await readMailboxOnce(desk, mailbox, readerOptions));
        await settled();
        return runs;
      },
    },
    settled,
    workspace: reloader,
    adminOverlay,
    async close() {
      reloader?.close();
      adminOverlay.close();
      await Promise.all(watchers.map((watcher) => watcher.stop()));
      await schedules?.stop();
      stopGaugeRefresh?.();
      await slack.stop();
      // Bounded: a call that hangs must not keep a stopping process alive. Every message that matters
      // is in the delivery queue already, so what is cut short is sent by the next process's retries.
      const limit = options.closeWithinMs ?? CLOSE_WITHIN_MS;
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([
        settled().then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), limit);
        }),
      ]);
      clearTimeout(timer);
      if (!done)
        log(`deskbolt: stopped waiting for work in flight after ${limit} ms; the delivery queue sends what is left`);
      await closeServer(server);
      if (metricsServer) await closeServer(metricsServer);
      mail?.close();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function stillBusy(slack: SlackApp, events: EventDispatcher): Promise<boolean> {
  // One more turn of the event loop lets work that was just scheduled register itself.
  await new Promise((resolve) => setImmediate(resolve));
  return slack.busy() || events.busy();
}
