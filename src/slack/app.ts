import { App, ExpressReceiver, LogLevel, SocketModeReceiver, type Receiver } from '@slack/bolt';
import type { Application } from 'express';
import { registerActions } from './actions.js';
import { registerChatDesk } from './chat-desk.js';
import { registerChats } from './chats.js';
import { registerCommands } from './commands.js';
import type { SlackDeps } from './context.js';
import { registerChatEvents } from './events.js';
import { registerShortcuts } from './shortcuts.js';
import { registerTicketWork } from './ticket-work.js';
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

  registerCommands(app, deps);
  registerActions(app, deps);
  registerViews(app, deps);
  registerShortcuts(app, deps);
  registerTicketWork(app, deps);
  registerChats(app, deps);
  registerChatEvents(app, deps);
  registerChatDesk(app, deps);

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
