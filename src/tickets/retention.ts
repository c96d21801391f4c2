import { DAY_MS } from '../clock.js';
import type { Desk } from './desk.js';

/**
 * How long an API request's idempotency key is remembered. Bridges retry within minutes; a week also
 * covers one that was down over a weekend and replays its outbox. After that the key is forgotten
 * and the same key files a new ticket.
 */
export const API_REQUEST_MEMORY_MS = 7 * DAY_MS;

/** For the `forget-api-requests` job: at most `limit` keys older than the memory, per call. */
export async function forgetOldApiRequests(desk: Desk, limit = 1000): Promise<number> {
  return desk.store.apiRequests.forgetOlderThan(new Date(desk.clock().getTime() - API_REQUEST_MEMORY_MS), limit);
}
