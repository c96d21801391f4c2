import express, { type Application } from 'express';
import type { Store } from '../store/store.js';

/** Health routes. The Slack receiver and the REST API mount on the same express app. */
export function createHttpApp(store: Store): Application {
  const http = express();
  http.disable('x-powered-by');
  http.get('/healthz', (_request, response) => {
    response.json({ ok: true });
  });
  http.get('/readyz', async (_request, response) => {
    const databaseUp = await store.ping();
    response.status(databaseUp ? 200 : 503).json({ ok: databaseUp, database: databaseUp ? 'reachable' : 'unreachable' });
  });
  return http;
}
