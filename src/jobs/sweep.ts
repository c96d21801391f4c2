import type { Desk } from '../tickets/desk.js';
import type { JobContext } from './job.js';

const BATCH = 1000;
const MAX_BATCHES = 50;

export interface SweepReport {
  forgottenIds: number;
  flushedTickets: number;
}

/**
 * What a process that died leaves behind: Slack ids remembered past their time (FerretDB has no TTL
 * index, so nothing else deletes them) and ticket events still in a ticket's outbox.
 */
export async function sweepLeftovers(desk: Desk, now: Date, context: Pick<JobContext, 'keepLease'>): Promise<SweepReport> {
  const report: SweepReport = { forgottenIds: 0, flushedTickets: 0 };
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const forgotten = await desk.store.seen.forgetExpired(now, BATCH);
    report.forgottenIds += forgotten;
    if (forgotten < BATCH || !(await context.keepLease())) break;
  }
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const numbers = await desk.store.tickets.withUnflushedEvents(BATCH);
    for (const number of numbers) await desk.store.tickets.flushEvents(number);
    report.flushedTickets += numbers.length;
    if (numbers.length < BATCH || !(await context.keepLease())) break;
  }
  return report;
}
