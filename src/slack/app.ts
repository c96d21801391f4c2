import { App, ExpressReceiver, LogLevel, SocketModeReceiver, type AnyMiddlewareArgs, type Middleware, type Receiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Application } from 'express';
import type { Metrics } from '../metrics.js';
import { registerActions } from './actions.js';
import { answerEveryRequest } from './answer-every-request.js';
import { botIdentity } from './bot-identity.js';
import { slackFetch, type Sleep } from './slack-fetch.js';
import { registerAvailability } from './availability.js';
import { registerChatDesk } from './chat-desk.js';
import { registerChats } from './chats.js';
import { registerCommands } from './commands.js';
import type { SlackDeps } from './context.js';
import { registerChatEvents } from './events.js';
import { registerShortcuts } from './shortcuts.js';
import { registerTicketWork } from './ticket-work.js';
import { refreshHome, registerHome } from './home.js';
import { registerSatisfaction } from './satisfaction.js';
// Subcommands that live in their own modules add themselves to the /ticket table when imported.
import './stats.js';
import { registerViews } from './views.js';
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
}

export interface SlackApp {
  app: App;
  /**
   * The bot's Web API client for work outside a request (jobs, the REST API's notices). Listeners get
   * theirs from Bolt; `app.client` carries no token, since Bolt is given an `authorize` instead.
   */
  client: WebClient;
  /** Resolves when every listener started so far has finished: work continues after the ack. */
  settled(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** How long an event id is remembered: Slack retries within minutes, so an hour is plenty. */
export const EVENT_MEMORY_MS = 60 * 60_000;

/** Long enough to swallow a double click, short enough that pressing a button again on purpose works. */
export const CLICK_MEMORY_MS = 10_000;

/**
 * The same person pressing the same button (same value) on the same message or view. Selects and
 * other inputs are not deduplicated: choosing a value twice is a person changing their mind.
 */
export function buttonClickKey(body: unknown): string | null {
  const payload = body as {
    type?: string;
    user?: { id?: string };
    actions?: { type?: string; action_id?: string; value?: string }[];
    container?: { message_ts?: string; view_id?: string };
    view?: { id?: string };
  };
  if (payload.type !== 'block_actions' || payload.actions?.length !== 1) return null;
  const [action] = payload.actions;
  if (action?.type !== 'button' || !payload.user?.id) return null;
  const where = payload.container?.message_ts ?? payload.container?.view_id ?? payload.view?.id;
  if (!where) return null;
  return `click:${payload.user.id}:${action.action_id}:${action.value ?? ''}:${where}`;
}

export function createSlackApp(options: SlackAppOptions, deps: SlackDeps): SlackApp {
  const clientOptions = {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    // Retries happen in slackFetch, per call and as Slack asks, never for a trigger; the client itself
    // neither retries nor pauses its queue on a 429 (which made views.open wait behind other calls).
    fetch: slackFetch(options.sleep),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  };
  let receiver: Receiver;
  const socketMode = options.appToken !== undefined;
  if (socketMode) {
    receiver = new SocketModeReceiver({ appToken: options.appToken!, logLevel: LogLevel.WARN });
  } else {
    receiver = new ExpressReceiver({
      signingSecret: options.signingSecret!,
      app: options.http,
      endpoints: '/slack/events',
      // Ack first: Slack gives three seconds; the listener's work continues after the response.
      processBeforeResponse: false,
      logLevel: toBoltLevel(options.logLevel),
    });
  }
  const client = new WebClient(options.botToken, clientOptions);
  const app = new App({
    // auth.test once, on the first request (start does not need Slack up), never again after it answered.
    authorize: botIdentity(client, options.botToken),
    receiver,
    clientOptions,
    logLevel: toBoltLevel(options.logLevel),
  });

  answerEveryRequest(app);

  const inFlight = new Set<Promise<unknown>>();
  app.use(async ({ next }) => {
    const work = next();
    inFlight.add(work);
    try {
      await work;
    } finally {
      inFlight.delete(work);
    }
  });

  if (deps.metrics) app.use(measureListener(deps.metrics));

  // Slack delivers events at least once (retries carry the same event_id): act on the first only.
  app.use(async ({ body, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string' && !(await deps.desk.store.seen.firstTime(`event:${eventId}`, deps.desk.clock(), EVENT_MEMORY_MS))) {
      return;
    }
    await next();
  });

  // A double click sends two block_actions a moment apart: the second is acknowledged, not acted on.
  app.use(async (args) => {
    const key = buttonClickKey(args.body);
    if (key !== null && !(await deps.desk.store.seen.firstTime(key, deps.desk.clock(), CLICK_MEMORY_MS))) {
      await (args as { ack?: () => Promise<void> }).ack?.();
      return;
    }
    await args.next();
  });

  registerListeners(app, deps);

  app.error(async (error) => {
    deps.log(`slack: listener failed: ${error.message}`, error);
  });

  return {
    app,
    client,
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async start() {
      if (socketMode) await app.start();
    },
    async stop() {
      if (socketMode) await app.stop();
    },
  };
}

/** Times each request from Bolt's first middleware to the end of the listener's work after the ack. */
function measureListener(metrics: Metrics): Middleware<AnyMiddlewareArgs> {
  return async ({ body, next }) => {
    const [kind, id] = listenerOf(body as SlackBody);
    const started = process.hrtime.bigint();
    let outcome: 'ok' | 'failed' = 'ok';
    try {
      await next();
    } catch (error) {
      outcome = 'failed';
      throw error;
    } finally {
      metrics.slackListener(kind, id, outcome, Number(process.hrtime.bigint() - started) / 1e6);
    }
  };
}

/** The label pair of a Slack request: what kind of listener it reaches and its command/action/callback id. */
// biome-ignore lint/suspicious/noExplicitAny: any of Slack's payload shapes; each field read is checked below
type SlackBody = Record<string, any>;

export function listenerOf(body: SlackBody): [string, string] {
  if (typeof body.command === 'string') return ['command', body.command];
  switch (body.type) {
    case 'block_actions':
      return ['action', String(body.actions?.[0]?.action_id ?? 'unknown')];
    case 'block_suggestion':
      return ['options', String(body.action_id ?? 'unknown')];
    case 'view_submission':
    case 'view_closed':
      return ['view', String(body.view?.callback_id ?? 'unknown')];
    case 'shortcut':
    case 'message_action':
      return ['shortcut', String(body.callback_id ?? 'unknown')];
    case 'event_callback':
      return ['event', String(body.event?.type ?? 'unknown')];
    default:
      return ['other', String(body.type ?? 'unknown')];
  }
}

/**
 * Every listener of the app, by feature. Exported so a test can record what is registered and hold
 * manifest.yml to it.
 */
export function registerListeners(app: App, deps: SlackDeps): void {
  registerCommands(app, deps);
  registerActions(app, deps);
  registerViews(app, deps);
  registerShortcuts(app, deps);
  registerTicketWork(app, deps);
  registerChats(app, deps);
  registerChatEvents(app, deps);
  registerHome(app, deps);
  registerAvailability(app, deps);
  registerSatisfaction(app, deps, {
    // The solver's home shows their week's good and bad answers.
    answered: async (client, result) => {
      if (result.survey.agent) await refreshHome(client, deps.desk, result.survey.agent, { log: deps.log });
    },
  });
  registerChatDesk(app, deps);
}

function toBoltLevel(level: SlackAppOptions['logLevel']): LogLevel {
  return { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR }[level];
}
