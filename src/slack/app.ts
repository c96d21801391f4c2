import { App, ExpressReceiver, LogLevel, SocketModeReceiver, type Receiver } from '@slack/bolt';
import type { Application } from 'express';
import { registerActions } from './actions.js';
import { registerCommands } from './commands.js';
import type { SlackDeps } from './context.js';
import { registerShortcuts } from './shortcuts.js';
import { registerViews } from './views.js';

export interface SlackAppOptions {
  signingSecret: string | undefined;
  botToken: string;
  appToken: string | undefined;
  apiUrl: string | undefined;
  /** The express app that also carries the REST API and health routes (HTTP mode). */
  http: Application;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export interface SlackApp {
  app: App;
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
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2_000 },
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
  const app = new App({
    token: options.botToken,
    receiver,
    clientOptions,
    // The token is checked by the first API call instead of at start, so start does not need Slack up.
    tokenVerificationEnabled: false,
    logLevel: toBoltLevel(options.logLevel),
  });

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

  registerCommands(app, deps);
  registerActions(app, deps);
  registerViews(app, deps);
  registerShortcuts(app, deps);

  app.error(async (error) => {
    deps.log(`slack: listener failed: ${error.message}`, error);
  });

  return {
    app,
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

function toBoltLevel(level: SlackAppOptions['logLevel']): LogLevel {
  return { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR }[level];
}
