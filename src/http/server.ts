import express, { type Application, type NextFunction, type Request, type Response } from 'express';
import { METRICS_CONTENT_TYPE, type Metrics } from '../metrics.js';
import type { Store } from '../store/store.js';
import type { Directory } from '../workspace/directory.js';
import { createApiRouter, type ApiDeps } from './api.js';

export interface HttpOptions {
  store: Store;
  metrics: Metrics;
  api: ApiDeps;
  /** Socket Mode's connections to Slack, read at each health check; null in HTTP mode. */
  socketLinks?: () => { open: number; wanted: number } | null;
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
  http.get('/healthz', (_request, response) => {
    response.json({ ok: true, ...socket() });
  });
  http.get('/readyz', async (_request, response) => {
    const databaseUp = await store.ping();
    const slack = socket();
    // In Socket Mode a bot with no open connection hears nothing from Slack: not ready.
    const ready = databaseUp && (slack.socket?.up ?? true);
    response.status(ready ? 200 : 503).json({ ok: ready, database: databaseUp ? 'reachable' : 'unreachable', ...slack });
  });
  http.get('/metrics', async (_request, response) => {
    response.type(METRICS_CONTENT_TYPE).send(await metrics.render());
  });
  http.use('/api/v1', createApiRouter(options.api));
  return http;
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

/** Unassigned tickets per group, read from the database when Prometheus scrapes. */
export function registerQueueGauge(metrics: Metrics, store: Store, directory: Directory): void {
  metrics.gauge('deskbolt_queue_unassigned_tickets', 'Unassigned new or open tickets waiting in each group.', async () =>
    Promise.all(
      directory.groups().map(async (group) => ({
        labels: { group_id: String(group.id), group: group.name },
        value: await store.tickets.countQueue([group.id]),
      })),
    ),
  );
}
