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
 * index, so nothing else deletes them) and ticket events still in a ticket's outbox, not yet handed
 * out to the subscribers (they are handed out now: a notification is late, never lost).
 */
/** Events younger than this are left to the process that wrote them, which is about to hand them out. */
const LEFTOVER_AFTER_MS = 60_000;

export async function sweepLeftovers(
  desk: Desk,
  now: Date,
  context: Pick<JobContext, 'keepLease' | 'redeliverLeftovers'>,
): Promise<SweepReport> {
  const report: SweepReport = { forgottenIds: 0, flushedTickets: 0 };
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const forgotten = await desk.store.seen.forgetExpired(now, BATCH);
    report.forgottenIds += forgotten;
    if (forgotten < BATCH || !(await context.keepLease())) break;
  }
  const olderThan = new Date(now.getTime() - LEFTOVER_AFTER_MS);
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const handedOut = await context.redeliverLeftovers(olderThan, BATCH);
    report.flushedTickets += handedOut;
    if (handedOut < BATCH || !(await context.keepLease())) break;
  }
  return report;
}
