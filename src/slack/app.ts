import {
  App,
  type AppOptions,
  AuthorizationError,
  ExpressReceiver,
  LogLevel,
  type Receiver,
  type ReceiverEvent,
  type ReceiverProcessEventErrorHandlerArgs,
} from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Application } from 'express';
import { systemClock } from '../clock.js';
import type { Log } from '../log.js';
import { withLogContext } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Desk } from '../tickets/desk.js';
import { answerEveryRequest } from './answer-every-request.js';
import { botIdentity } from './bot-identity.js';
import { ChannelWatch } from './channel-check.js';
import { tellPeopleOfFaults } from './faults.js';
import { registerActions } from './listeners/actions.js';
import { registerAssignment } from './listeners/assignment.js';
import { registerChannelSetup } from './listeners/channel-setup.js';
import { registerCommands } from './listeners/commands.js';
import { registerDeskAdmin } from './listeners/desk-admin.js';
import { registerEditing } from './listeners/editing.js';
import { registerEvents } from './listeners/events.js';
import { registerRouting } from './listeners/routing.js';
import { registerSearch } from './listeners/search.js';
import { registerShortcuts } from './listeners/shortcuts.js';
import { registerViews } from './listeners/views.js';
import {
  actOnceOnClicks,
  actOnceOnEvents,
  answerAtOnceWhileDatabaseAway,
  answerBeforeNotifying,
  measureListeners,
  trackInFlight,
} from './middleware.js';
import { MalformedPayload, payloadProblem } from './payloads.js';
import { type Sleep, slackFetch } from './slack-fetch.js';
import { slackRequestChecks } from './slack-requests.js';
import { ENVELOPE_MEMORY_MS, type SocketLinksState, SocketModeLinks } from './socket-mode-receiver.js';

export { buttonClickKey, CLICK_MEMORY_MS, EVENT_MEMORY_MS, listenerOf } from './middleware.js';

export interface SlackAppOptions {
  signingSecret: string | undefined;
  botToken: string;
  appToken: string | undefined;
  apiUrl: string | undefined;
  /** The express app that also carries the REST API and health routes (HTTP mode). */
  http: Application;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** How a Web API call waits before it is tried again (Retry-After); tests pass their clock's. */
  sleep?: Sleep;
  /** How long one Web API call may take (SLACK_CALL_TIMEOUT_MS unless given: tests shorten it). */
  callTimeoutMs?: number;
}

/** What every Slack listener gets: the desk to call, and a log for faults that must not reach users. */
export interface SlackDeps {
  desk: Desk;
  log: Log;
  /** Listener counts and latency; absent in workflow-only tests. */
  metrics?: Metrics;
  /** The workspace file's channels as Slack sees them; made by createSlackApp. */
  channels?: ChannelWatch;
}

export interface SlackApp {
  app: App;
  /**
   * The bot's Web API client for work outside a request (notifiers, jobs). Listeners get theirs from
   * Bolt; `app.client` carries no token, since Bolt is given an `authorize` instead.
   */
  client: WebClient;
  /** Resolves when every listener started so far has finished: work continues after the ack. */
  settled(): Promise<void>;
  /** Whether a listener is still working. */
  busy(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Socket Mode's open connections to Slack; null in HTTP mode. */
  socketLinks(): SocketLinksState | null;
  /** The workspace file's channels as Slack sees them: checked at start, again when fixed. */
  channels: ChannelWatch;
}

export function createSlackApp(options: SlackAppOptions, deps: SlackDeps): SlackApp {
  const clientOptions = {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    // Retries happen in slackFetch, per call and as Slack asks, never for a trigger; the client itself
    // neither retries nor pauses its queue on a 429 (which made views.open wait behind other calls).
    fetch: slackFetch(options.sleep, globalThis.fetch, options.callTimeoutMs),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  };
  let receiver: Receiver;
  const socketMode = options.appToken !== undefined;
  const socketLinks = socketMode
    ? new SocketModeLinks({
        appToken: options.appToken!,
        apiUrl: options.apiUrl,
        logLevel: toBoltLevel(options.logLevel),
        log: deps.log,
        firstTimeEnvelope: (id) =>
          deps.desk.store.reach.within(() =>
            deps.desk.store.seen.firstTime(`envelope:${id}`, deps.desk.clock(), ENVELOPE_MEMORY_MS),
          ),
      })
    : undefined;
  if (socketLinks) {
    receiver = socketLinks;
  } else {
    // Mounted before the receiver's own route, so these checks run first.
    options.http.post(
      '/slack/events',
      slackRequestChecks({
        signingSecret: options.signingSecret!,
        seen: deps.desk.store.seen,
        reach: deps.desk.store.reach,
        clock: systemClock,
        log: deps.log,
      }),
    );
    receiver = new ExpressReceiver({
      signingSecret: options.signingSecret!,
      app: options.http,
      endpoints: '/slack/events',
      // Ack first: Slack gives three seconds; the listener's work continues after the response.
      processBeforeResponse: false,
      logLevel: toBoltLevel(options.logLevel),
      processEventErrorHandler: (args) => answerFailedRequest(args, deps),
    });
  }
  const client = new WebClient(options.botToken, clientOptions);
  const app = new CheckedApp(
    {
      // auth.test once, on the first request (start does not need Slack up), never again after it answered.
      authorize: botIdentity(client, options.botToken),
      receiver,
      clientOptions,
      logLevel: toBoltLevel(options.logLevel),
    },
    malformedRefusal(socketMode, deps.log),
  );
  answerEveryRequest(app);

  const inFlight = new Set<Promise<unknown>>();
  app.use(({ body, next }) => withLogContext({ requestId: slackRequestId(body) }, next));
  app.use(trackInFlight(inFlight));
  app.use(answerBeforeNotifying(deps.desk));
  app.use(tellPeopleOfFaults(deps.log));
  if (deps.metrics) app.use(measureListeners(deps.metrics));
  app.use(answerAtOnceWhileDatabaseAway(deps.desk));
  app.use(actOnceOnEvents(deps.desk));
  app.use(actOnceOnClicks(deps.desk));
  const channels = new ChannelWatch(deps.desk, client, deps.log);
  registerListeners(app, { ...deps, channels });
  app.error(async (error) => {
    deps.log(`slack: listener failed: ${error.message}`, error);
  });

  return {
    app,
    client,
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    busy: () => inFlight.size > 0,
    async start() {
      if (socketMode) await app.start();
    },
    async stop() {
      if (socketMode) await app.stop();
    },
    socketLinks: () => socketLinks?.state() ?? null,
    channels,
  };
}

/**
 * Every listener of the app, by the surface it serves. Exported so a test can record what is
 * registered and hold manifest.yml to it.
 */
export function registerListeners(app: App, deps: SlackDeps): void {
  registerCommands(app, deps);
  registerActions(app, deps);
  registerViews(app, deps);
  registerShortcuts(app, deps);
  registerEvents(app, deps);
  registerAssignment(app, deps);
  registerEditing(app, deps);
  registerSearch(app, deps);
  registerChannelSetup(app, deps);
  registerDeskAdmin(app, deps);
  registerRouting(app, deps);
}

/**
 * Bolt reads a payload's fields (body.event, body.user.team_id, …) to route it before any middleware
 * runs, so a global middleware would come too late: the shape is checked here, where both receivers
 * (HTTP and Socket Mode) hand every payload to the app.
 */
class CheckedApp extends App {
  constructor(
    options: AppOptions,
    private readonly refuseMalformed: (event: ReceiverEvent, problem: string) => Promise<void>,
  ) {
    super(options);
  }

  override async processEvent(event: ReceiverEvent): Promise<void> {
    const problem = payloadProblem(event.body);
    if (problem !== null) return this.refuseMalformed(event, problem);
    await super.processEvent(event);
  }
}

/**
 * Over HTTP a malformed payload is answered 400 (answerFailedRequest). Socket Mode has no status to
 * answer with: the envelope is acknowledged, so Slack does not send it again, and dropped.
 */
function malformedRefusal(socketMode: boolean, log: Log) {
  return async (event: ReceiverEvent, problem: string): Promise<void> => {
    if (!socketMode) throw new MalformedPayload(problem);
    log(`slack: dropped a Socket Mode envelope: ${problem}`);
    await event.ack();
  };
}

/** As Bolt's default answers (401 for authorization, 500 for the rest), plus 400 for a payload of the wrong shape. */
async function answerFailedRequest(
  { error, response }: ReceiverProcessEventErrorHandlerArgs,
  deps: SlackDeps,
): Promise<boolean> {
  if (response.headersSent) {
    deps.log(`slack: a listener failed after the ack: ${error.message}`, error);
    return false;
  }
  if (error instanceof MalformedPayload) {
    deps.log(`slack: refused a request: ${error.problem}`);
    response.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end(error.message);
    return true;
  }
  const status = error instanceof AuthorizationError ? 401 : 500;
  if (status === 500) deps.log(`slack: a request failed before any listener: ${error.message}`, error);
  response.writeHead(status).end();
  // Answered: Bolt's "not acknowledged within 3 seconds" timer has nothing left to do.
  return true;
}

function toBoltLevel(level: SlackAppOptions['logLevel']): LogLevel {
  return { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR }[level];
}

/** Slack's own id of a request, where it gives one: an event's event_id, a command's or a click's trigger_id. */
export function slackRequestId(body: unknown): string | undefined {
  const fields = body as { event_id?: unknown; trigger_id?: unknown } | null;
  const id = fields?.event_id ?? fields?.trigger_id;
  return typeof id === 'string' ? id : undefined;
}
