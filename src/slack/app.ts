import { App, ExpressReceiver, LogLevel, type Receiver } from '@slack/bolt';
import type { Application } from 'express';
import { SocketModeLinks, type SocketLinksState } from '../http/socket-mode-receiver.js';
import type { Log } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Desk } from '../tickets/desk.js';
import { registerActions } from './listeners/actions.js';
import { registerCommands } from './listeners/commands.js';
import { tellPeopleOfFaults } from './faults.js';
import { registerEvents } from './listeners/events.js';
import { registerShortcuts } from './listeners/shortcuts.js';
import { registerViews } from './listeners/views.js';
import { actOnceOnClicks, actOnceOnEvents, measureListeners, trackInFlight } from './middleware.js';

export { buttonClickKey, CLICK_MEMORY_MS, EVENT_MEMORY_MS, listenerOf } from './middleware.js';

export interface SlackAppOptions {
  signingSecret: string | undefined;
  botToken: string;
  appToken: string | undefined;
  apiUrl: string | undefined;
  /** The express app that also carries the REST API and health routes (HTTP mode). */
  http: Application;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** What every Slack listener gets: the desk to call, and a log for faults that must not reach users. */
export interface SlackDeps {
  desk: Desk;
  log: Log;
  /** Listener counts and latency; absent in workflow-only tests. */
  metrics?: Metrics;
}

export interface SlackApp {
  app: App;
  /** Resolves when every listener started so far has finished: work continues after the ack. */
  settled(): Promise<void>;
  /** Whether a listener is still working. */
  busy(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Socket Mode's open connections to Slack; null in HTTP mode. */
  socketLinks(): SocketLinksState | null;
}

export function createSlackApp(options: SlackAppOptions, deps: SlackDeps): SlackApp {
  const clientOptions = {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2_000 },
  };
  let receiver: Receiver;
  const socketMode = options.appToken !== undefined;
  const socketLinks = socketMode
    ? new SocketModeLinks({ appToken: options.appToken!, apiUrl: options.apiUrl, logLevel: toBoltLevel(options.logLevel), log: deps.log })
    : undefined;
  if (socketLinks) {
    receiver = socketLinks;
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
  app.use(trackInFlight(inFlight));
  app.use(tellPeopleOfFaults(deps.log));
  if (deps.metrics) app.use(measureListeners(deps.metrics));
  app.use(actOnceOnEvents(deps.desk));
  app.use(actOnceOnClicks(deps.desk));
  registerListeners(app, deps);
  app.error(async (error) => {
    deps.log(`slack: listener failed: ${error.message}`, error);
  });

  return {
    app,
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
}

function toBoltLevel(level: SlackAppOptions['logLevel']): LogLevel {
  return { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR }[level];
}
