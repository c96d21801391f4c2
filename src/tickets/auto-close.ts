import { DAY_MS } from '../clock.js';
import { ticketEvent } from '../events/ticket-events.js';
import type { Desk } from './desk.js';
import type { Actor, Ticket } from './types.js';

/** How a sweep over many tickets is bounded: a batch is one indexed read; a run stops after `maxItems`. */
export interface SweepOptions {
  batchSize?: number;
  maxItems?: number;
  /** Called between batches; false (the lease was lost) stops the run, leaving the rest for the next. */
  keepGoing?: () => Promise<boolean>;
}

export interface SweepResult {
  closed: number;
  /** Tickets whose close no longer applied (a reply reopened it first). */
  skipped: number;
  /** The run stopped at its limit or lost its lease; the next run picks up the rest. */
  stoppedEarly: boolean;
}

const BATCH_SIZE = 500;
const MAX_ITEMS = 200_000;

export const autoCloseActor: Actor = { kind: 'system', id: 'pending-auto-close', name: 'Auto-close' };
export const solvedCloseActor: Actor = { kind: 'system', id: 'solved-close', name: 'Auto-close' };

/**
 * The note says how to reopen where the requester reads it: a reply in their Slack thread of the
 * ticket, or to the email, is taken as a follow-up (requester-reply.ts, email-intake.ts).
 */
export function closingNoteText(
  ticket: Pick<Ticket, 'number'> & Partial<Pick<Ticket, 'requester'>>,
  days: number,
): string {
  const how =
    ticket.requester?.kind === 'slack'
      ? 'reply in this thread'
      : ticket.requester?.kind === 'email'
        ? 'reply to this email'
        : 'reply to this message';
  return (
    `We haven't heard back from you on #${ticket.number} for ${days} day${days === 1 ? '' : 's'}, so we have closed it. ` +
    `If you still need help, ${how} and we will reopen it as a follow-up.`
  );
}

/**
 * Closes every ticket pending since `pendingCloseDays` ago or earlier, a batch at a time: one bulk
 * write closes a batch, each ticket's close holding its own condition, so a requester reply that
 * reopened a ticket a moment before wins and that ticket stays open while the rest close; a reply a
 * moment after finds it closed and opens a follow-up.
 *
 * A closed ticket is written twice: its close (with its `auto_closed` event in its outbox, in the same
 * update) and its outbox emptied once the event is handed out. The closing note rides in the event and
 * is inserted with the history, a batch's notes in one insert under ids of their own (recordHistory),
 * so a run killed anywhere loses nothing: an event still in an outbox is handed out again (by this
 * process's hand-out or the leftover sweep), its note and history written once whichever writes them.
 */
export async function closeStalePending(desk: Desk, now: Date, options: SweepOptions = {}): Promise<SweepResult> {
  const days = desk.settings.pendingCloseDays;
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  await writeClosingNotesDue(desk, now, options.batchSize ?? BATCH_SIZE);
  return sweep(
    options,
    (limit) => desk.store.tickets.pendingSinceAtOrBefore(cutoff, limit),
    async (numbers) => {
      // The note names the way back that fits the requester (their Slack thread, or the email).
      const requesters = new Map((await desk.store.tickets.getMany(numbers)).map((t) => [t.number, t.requester]));
      const closed = await desk.store.tickets.changeEach(
        numbers.map((number) => ({
          number,
          precondition: { status: ['pending'], pendingSinceAtOrBefore: cutoff },
          changes: { status: 'closed', closedAt: now },
          events: [
            ticketEvent('auto_closed', autoCloseActor, now, {
              from: { status: 'pending' },
              to: { status: 'closed' },
              note: `no reply for ${days} days`,
              closingNote: {
                commentId: closingNoteId(number),
                text: closingNoteText({ number, requester: requesters.get(number) }, days),
              },
            }),
          ],
        })),
        now,
      );
      desk.events.ticketsChanged(closed);
      return closed.length;
    },
  );
}

/** Solved tickets close after `solvedCloseDays`: until then a requester reply reopens, after it opens a follow-up. */
export async function closeSolved(desk: Desk, now: Date, options: SweepOptions = {}): Promise<SweepResult> {
  const days = desk.settings.solvedCloseDays;
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  return sweep(
    options,
    (limit) => desk.store.tickets.solvedAtOrBefore(cutoff, limit),
    async (numbers) => {
      const closed = await desk.store.tickets.changeEach(
        numbers.map((number) => ({
          number,
          precondition: { status: ['solved'], solvedAtOrBefore: cutoff },
          changes: { status: 'closed', closedAt: now },
          events: [
            ticketEvent('status_changed', solvedCloseActor, now, {
              from: { status: 'solved' },
              to: { status: 'closed' },
              note: `solved ${days} days ago`,
            }),
          ],
        })),
        now,
      );
      desk.events.ticketsChanged(closed);
      return closed.length;
    },
  );
}

/** The closing note's comment id: one per ticket, so writing it again never doubles it. */
export function closingNoteId(ticketNumber: number): string {
  return `auto-close:${ticketNumber}`;
}

/**
 * Tickets an older version closed marked `closingNoteDue` and wrote the note after; a run that died
 * in between left the mark: the notes still due are written (one already there is kept) and the mark
 * cleared. Today's close writes no mark (its note rides in its event), so this finds none after that.
 */
async function writeClosingNotesDue(desk: Desk, now: Date, limit: number): Promise<void> {
  const due = await desk.store.tickets.withClosingNoteDue(limit);
  if (due.length === 0) return;
  const days = desk.settings.pendingCloseDays;
  const numbers = due.map((ticket) => ticket.number);
  // The note names the way back that fits the requester (their Slack thread, or the email).
  await desk.store.tickets.addComments(
    due.map((ticket) => ({
      id: closingNoteId(ticket.number),
      ticketNumber: ticket.number,
      kind: 'public',
      author: autoCloseActor,
      text: closingNoteText(ticket, days),
      createdAt: now,
    })),
  );
  await desk.store.tickets.closingNotesSent(numbers);
  desk.events.ticketsChanged(numbers);
}

/**
 * Reads a batch of candidates (an indexed, bounded query), works it, and reads again: a worked
 * ticket leaves the query's range, so no cursor is held open and nothing is skipped. `work` returns
 * how many of the batch it closed; the others no longer met the condition.
 */
async function sweep(
  options: SweepOptions,
  candidates: (limit: number) => Promise<number[]>,
  work: (numbers: number[]) => Promise<number>,
): Promise<SweepResult> {
  const batchSize = options.batchSize ?? BATCH_SIZE;
  const maxItems = options.maxItems ?? MAX_ITEMS;
  const result: SweepResult = { closed: 0, skipped: 0, stoppedEarly: false };
  const tried = new Set<number>();
  while (result.closed + result.skipped < maxItems) {
    const batch = (await candidates(Math.min(batchSize, maxItems - result.closed - result.skipped))).filter(
      (number) => !tried.has(number),
    );
    if (batch.length === 0) return result;
    for (const number of batch) tried.add(number);
    const closed = await work(batch);
    result.closed += closed;
    result.skipped += batch.length - closed;
    if (options.keepGoing && !(await options.keepGoing())) {
      result.stoppedEarly = true;
      return result;
    }
  }
  result.stoppedEarly = (await candidates(1)).length > 0;
  return result;
}
