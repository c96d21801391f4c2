import { chatsGoneQuiet } from '../chats/chat.js';
import { forgetOldRelays } from '../chats/relay.js';
import { expireTransfers, finishUnfinishedTransfers } from '../chats/transfers.js';
import { MINUTE_MS } from '../clock.js';
import { closeSolved, closeStalePending } from '../tickets/auto-close.js';
import { finishAbandonedBulkMoves } from '../tickets/bulk-move.js';
import { retryDueDeliveries } from '../tickets/deliveries.js';
import { handBackUnactedTickets } from '../tickets/hand-back.js';
import { expireHandoffs } from '../tickets/hand-over.js';
import { finishInterruptedMerges } from '../tickets/merge.js';
import { sendReminders } from '../tickets/reminders.js';
import { forgetOldApiRequests } from '../tickets/retention.js';
import { expireRoutingOffers } from '../tickets/routing.js';
import { watchSlas } from '../tickets/sla-watch.js';
import { forgetOldWeekFigures } from '../tickets/week-figures.js';
import { forgetInBatches } from './batches.js';
import type { Job } from './job.js';
import { sweepLeftovers } from './sweep.js';
import { signalWeeklyDigests } from './weekly-digest.js';

/**
 * Every time-driven job of the desk. Adding one is one entry: its name (also its lease's id), when
 * it runs (cron, in the desk's time zone), and what a run does with the desk at that moment. A job
 * changes things through workflows; who hears of it is decided by the event subscribers.
 */
export const deskJobs: readonly Job[] = [
  {
    name: 'pending-auto-close',
    schedule: '*/10 * * * *',
    run: (desk, now, context) => closeStalePending(desk, now, { keepGoing: context.keepLease }),
  },
  {
    name: 'solved-close',
    schedule: '5,35 * * * *',
    run: (desk, now, context) => closeSolved(desk, now, { keepGoing: context.keepLease }),
  },
  {
    name: 'sweep-leftovers',
    schedule: '*/5 * * * *',
    holdMs: 5 * MINUTE_MS,
    run: (desk, now, context) => sweepLeftovers(desk, now, context),
  },
  {
    name: 'weekly-digest',
    // Every quarter hour, so Monday 09:00 is met in zones with half- and quarter-hour offsets too.
    schedule: '*/15 * * * *',
    run: (desk, now) => signalWeeklyDigests(desk, now),
  },
  {
    name: 'transfer-expiry',
    // Node-cron's seconds field: a transfer request lives for minutes, so its expiry is checked often.
    schedule: '*/10 * * * * *',
    holdMs: MINUTE_MS,
    run: (desk, now) => expireTransfers(desk, now),
  },
  {
    name: 'chat-activity',
    schedule: '*/30 * * * * *',
    holdMs: MINUTE_MS,
    run: (desk) => chatsGoneQuiet(desk),
  },
  {
    name: 'routing-offers',
    // An offer lives for minutes: its timeout is checked often, so the next agent hears soon after.
    schedule: '*/15 * * * * *',
    holdMs: MINUTE_MS,
    run: (desk, now) => expireRoutingOffers(desk, now),
  },
  {
    name: 'handoff-expiry',
    schedule: '* * * * *',
    holdMs: MINUTE_MS,
    run: (desk, now) => expireHandoffs(desk, now),
  },
  {
    name: 'bulk-moves',
    schedule: '* * * * *',
    holdMs: 5 * MINUTE_MS,
    run: (desk, now, context) => finishAbandonedBulkMoves(desk, now, context.keepLease),
  },
  {
    name: 'sla-watch',
    schedule: '* * * * *',
    holdMs: 5 * MINUTE_MS,
    run: (desk, now, context) => watchSlas(desk, now, { keepGoing: context.keepLease }),
  },
  {
    name: 'reminders',
    schedule: '* * * * *',
    holdMs: 5 * MINUTE_MS,
    run: (desk, now, context) => sendReminders(desk, now, { keepGoing: context.keepLease }),
  },
  {
    name: 'hand-back',
    // After transfer-expiry's ticks, so an unanswered transfer goes back within a minute of expiring.
    schedule: '30 * * * * *',
    holdMs: 5 * MINUTE_MS,
    run: (desk, now, context) => handBackUnactedTickets(desk, now, { keepGoing: context.keepLease }),
  },
  {
    name: 'delivery-retries',
    schedule: '* * * * *',
    holdMs: 5 * MINUTE_MS,
    run: (desk, now, context) => retryDueDeliveries(desk, now, context.senders),
  },
  {
    name: 'finish-merges',
    // A merge cut by a crash stays "being merged" (and its target claimed) until this finishes it.
    schedule: '* * * * *',
    holdMs: 5 * MINUTE_MS,
    async run(desk, _now, context) {
      const recovery = await finishInterruptedMerges(desk, 50, context.senders);
      for (const { source, refusal } of recovery.refused)
        context.log(`jobs: finish-merges: #${source} cannot be finished (${refusal.code}); tried again next run`);
      return {
        finished: recovery.finished.length,
        requestsFinished: recovery.requestsFinished,
        refused: recovery.refused.length,
        releasedClaims: recovery.releasedClaims,
      };
    },
  },
  {
    name: 'finish-transfers',
    // A chat accepted by an agent whose process died is theirs only once this moves it: often.
    schedule: '*/30 * * * * *',
    holdMs: MINUTE_MS,
    run: async (desk) => (await finishUnfinishedTransfers(desk)).length,
  },
  {
    name: 'forget-relays',
    // FerretDB has no TTL index: relayed-message records past their use are deleted here.
    schedule: '20 * * * *',
    run: (desk, _now, context) => forgetInBatches((limit) => forgetOldRelays(desk, limit), context),
  },
  {
    name: 'forget-api-requests',
    schedule: '40 * * * *',
    run: (desk, _now, context) => forgetInBatches((limit) => forgetOldApiRequests(desk, limit), context),
  },
  {
    name: 'forget-week-figures',
    // The App Home's week figures are read for the last two weeks only.
    schedule: '50 3 * * *',
    run: (desk, _now, context) => forgetInBatches((limit) => forgetOldWeekFigures(desk, limit), context),
  },
];

export function deskJob(name: string): Job {
  const job = deskJobs.find((candidate) => candidate.name === name);
  if (!job) throw new Error(`no job named ${name}`);
  return job;
}
