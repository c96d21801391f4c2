import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import express, {
  type Application,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { METRICS_CONTENT_TYPE, type Metrics } from '../metrics.js';
import type { EmbeddedState } from '../store/embedded.js';
import type { Store } from '../store/store.js';
import { type ChannelState, channelAdvice } from '../workspace/channel-check.js';
import type { Directory } from '../workspace/directory.js';
import { type ApiDeps, createApiRouter } from './api.js';
import { fileDownloadRouter } from './file-downloads.js';

export interface HttpOptions {
  store: Store;
  metrics: Metrics;
  api: ApiDeps;
  /** Socket Mode's connections to Slack, read at each health check; null in HTTP mode. */
  socketLinks?: () => { open: number; wanted: number } | null;
  /** The workspace file's channels as Slack last said (null before the first check): /readyz shows them. */
  channels?: () => ChannelState[] | null;
  /** The embedded database this process runs, if any: /healthz fails once it has been given up. */
  embeddedDatabase?: { state(): EmbeddedState } | undefined;
  /** /metrics is served here unless it has a port of its own (METRICS_PORT). */
  serveMetrics?: boolean;
  /** A bearer token /metrics requires (METRICS_TOKEN). */
  metricsToken?: string | undefined;
}

/**
 * Health, metrics and the REST API. The Slack receiver mounts /slack/events on the same express app
 * afterwards; it reads the raw body to check Slack's signature, so no body parser is mounted here
 * for the whole app — the API router brings its own.
 */
export function createHttpApp(options: HttpOptions): Application {
  const { store, metrics } = options;
  const http = express();
  http.disable('x-powered-by');
  http.use(measureRequests(metrics));
  const socket = () => {
    const links = options.socketLinks?.() ?? null;
    return links === null ? {} : { socket: { connections: links.open, wanted: links.wanted, up: links.open > 0 } };
  };
  // Alive: this process can work, or is bringing its own parts back (an embedded database restarting).
  // A database it does not own (MONGODB_URI) being down is not a reason to restart deskbolt: the
  // driver reconnects by itself, and /readyz says it cannot serve meanwhile.
  http.get('/healthz', (_request, response) => {
    const embedded = options.embeddedDatabase?.state();
    const alive = embedded === undefined || embedded === 'running' || embedded === 'restarting';
    response
      .status(alive ? 200 : 503)
      .json({ ok: alive, ...(embedded ? { embeddedDatabase: embedded } : {}), ...socket() });
  });
  // Ready: it can serve a request now, because its database answers (and, in Socket Mode, Slack can reach it).
  http.get('/readyz', async (_request, response) => {
    const databaseUp = await store.ping();
    const embedded = options.embeddedDatabase?.state();
    const slack = socket();
    // In Socket Mode a bot with no open connection hears nothing from Slack: not ready.
    const ready = databaseUp && (slack.socket?.up ?? true);
    // A channel the bot cannot post in is shown, but does not make the replica unready: every replica
    // would be equally unready, and taking them all out of rotation would stop the rest of the desk too.
    // Named only when one needs a person, so a healthy desk's answer stays as it was.
    const problems = (options.channels?.() ?? []).filter((state) => state.problem !== null);
    const channelReport =
      problems.length === 0
        ? {}
        : {
            channels: {
              ready: false,
              problems: problems.map((state) => ({
                channel: state.channel,
                problem: state.problem,
                advice: channelAdvice(state),
              })),
            },
          };
    response.status(ready ? 200 : 503).json({
      ok: ready,
      database: databaseUp ? 'reachable' : 'unreachable',
      ...(embedded ? { embeddedDatabase: embedded } : {}),
      ...slack,
      ...channelReport,
    });
  });
  if (options.serveMetrics !== false) http.get('/metrics', metricsRoute(metrics, options.metricsToken));
  http.use('/api/v1', createApiRouter(options.api));
  http.use(fileDownloadRouter(options.api.desk, options.api.log));
  return http;
}

/** The metrics port (METRICS_PORT): /metrics only, kept off the address Slack and the REST API use. */
export function createMetricsApp(metrics: Metrics, token: string | undefined): Application {
  const http = express();
  http.disable('x-powered-by');
  http.get('/metrics', metricsRoute(metrics, token));
  return http;
}

function metricsRoute(metrics: Metrics, token: string | undefined): RequestHandler {
  return async (request, response) => {
    if (token !== undefined && !bearerIs(request.headers.authorization, token)) {
      response
        .status(401)
        .set('WWW-Authenticate', 'Bearer realm="metrics"')
        .type('text/plain')
        .send('/metrics needs Authorization: Bearer <METRICS_TOKEN>\n');
      return;
    }
    response.type(METRICS_CONTENT_TYPE).send(await metrics.render());
  };
}

/** Compared as hashes, in constant time, so the answer's timing does not reveal the token. */
function bearerIs(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * Listens on `port`; a port that cannot be had ends the start with a sentence naming it and the
 * setting, instead of express 5 handing the error to its callback and the caller reading a null address.
 */
export function listen(app: Application, port: number, setting: string, host?: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(app);
    const refuse = (error: NodeJS.ErrnoException, sentence: string) =>
      reject(Object.assign(new Error(sentence), { code: error.code }));
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        refuse(
          error,
          `port ${port} (${setting}) is already in use: stop what listens there, or set ${setting} to a free port`,
        );
      else if (error.code === 'EACCES')
        refuse(
          error,
          `port ${port} (${setting}) needs privileges this process does not have: set ${setting} to a port above 1023`,
        );
      else reject(error);
    });
    if (host === undefined) server.listen(port, () => resolve(server));
    else server.listen(port, host, () => resolve(server));
  });
}

/** Requests and latency by route pattern (/api/v1/tickets/:number), never by raw path, so series stay few. */
function measureRequests(metrics: Metrics) {
  return (request: Request, response: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      metrics.httpRequest(request.method, routeOf(request), response.statusCode, ms);
    });
    next();
  };
}

function routeOf(request: Request): string {
  if (request.route?.path) return `${request.baseUrl}${String(request.route.path)}`;
  if (request.originalUrl.startsWith('/slack/events')) return '/slack/events';
  return 'unmatched';
}

/** Unassigned tickets per group, read from the database at each gauge refresh (never by a scrape). */
export function registerQueueGauge(metrics: Metrics, store: Store, directory: Directory): void {
  metrics.gauge(
    'deskbolt_queue_unassigned_tickets',
    'Unassigned new or open tickets waiting in each group.',
    ['group_id', 'group'],
    async () =>
      Promise.all(
        directory.groups().map(async (group) => ({
          labels: { group_id: String(group.id), group: group.name },
          value: await store.tickets.countQueue([group.id]),
        })),
      ),
  );
}
