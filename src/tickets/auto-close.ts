import { DAY_MS } from '../clock.js';
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

export function closingNoteText(ticket: Ticket, days: number): string {
  return (
    `We haven't heard back from you on #${ticket.number} for ${days} day${days === 1 ? '' : 's'}, so we have closed it. ` +
    'If you still need help, just reply and we will open a follow-up.'
  );
}

/**
 * Closes every ticket pending since `pendingCloseDays` ago or earlier. The condition is in the
 * update's filter, so a requester reply that reopened the ticket a moment before wins and the
 * close does not apply; a reply a moment after finds it closed and opens a follow-up. Each close
 * is its own conditional write that also marks the closing note as due, so a run killed anywhere
 * loses nothing: the next run closes the rest and sends the notes still due.
 */
export async function closeStalePending(desk: Desk, now: Date, options: SweepOptions = {}): Promise<SweepResult> {
  const days = desk.settings.pendingCloseDays;
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  await writeClosingNotesDue(desk, now, options.batchSize ?? BATCH_SIZE);
  return sweep(options, (limit) => desk.store.tickets.pendingSinceAtOrBefore(cutoff, limit), async (number) => {
    const closed = await desk.store.tickets.change(
      number,
      { status: ['pending'], pendingSinceAtOrBefore: cutoff },
      { status: 'closed', closedAt: now, closingNoteDue: true },
      { actor: autoCloseActor, action: 'auto_closed', from: { status: 'pending' }, to: { status: 'closed' }, note: `no reply for ${days} days`, at: now },
      now,
    );
    if (!closed) return false;
    await writeClosingNote(desk, closed, now);
    return true;
  });
}

/** Solved tickets close after `solvedCloseDays`: until then a requester reply reopens, after it opens a follow-up. */
export async function closeSolved(desk: Desk, now: Date, options: SweepOptions = {}): Promise<SweepResult> {
  const days = desk.settings.solvedCloseDays;
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  return sweep(options, (limit) => desk.store.tickets.solvedAtOrBefore(cutoff, limit), async (number) => {
    const closed = await desk.store.tickets.change(
      number,
      { status: ['solved'], solvedAtOrBefore: cutoff },
      { status: 'closed', closedAt: now },
      { actor: solvedCloseActor, action: 'status_changed', from: { status: 'solved' }, to: { status: 'closed' }, note: `solved ${days} days ago`, at: now },
      now,
    );
    if (closed) desk.events.ticketChanged(number);
    return closed !== null;
  });
}

/** The closing note's comment id: one per ticket, so writing it again never doubles it. */
export function closingNoteId(ticketNumber: number): string {
  return `auto-close:${ticketNumber}`;
}

/**
 * The note is a public comment, written after the close (whose event tells the requester, with this
 * note's text); `closingNoteDue` is set in the close's own write and cleared here, so a run that died
 * in between writes it on the next run.
 */
async function writeClosingNote(desk: Desk, ticket: Ticket, now: Date): Promise<void> {
  const text = closingNoteText(ticket, desk.settings.pendingCloseDays);
  await desk.store.tickets.addComment(ticket.number, 'public', autoCloseActor, text, now, { id: closingNoteId(ticket.number) });
  await desk.store.tickets.closingNoteSent(ticket.number);
  desk.events.ticketChanged(ticket.number);
}

async function writeClosingNotesDue(desk: Desk, now: Date, limit: number): Promise<void> {
  for (const ticket of await desk.store.tickets.withClosingNoteDue(limit)) await writeClosingNote(desk, ticket, now);
}

/**
 * Reads a batch of candidates (an indexed, bounded query), works each, and reads again: a worked
 * ticket leaves the query's range, so no cursor is held open and nothing is skipped.
 */
async function sweep(options: SweepOptions, candidates: (limit: number) => Promise<number[]>, work: (number: number) => Promise<boolean>): Promise<SweepResult> {
  const batchSize = options.batchSize ?? BATCH_SIZE;
  const maxItems = options.maxItems ?? MAX_ITEMS;
  const result: SweepResult = { closed: 0, skipped: 0, stoppedEarly: false };
  const tried = new Set<number>();
  while (result.closed + result.skipped < maxItems) {
    const batch = (await candidates(Math.min(batchSize, maxItems - result.closed - result.skipped))).filter((number) => !tried.has(number));
    if (batch.length === 0) return result;
    for (const number of batch) {
      tried.add(number);
      if (await work(number)) result.closed++;
      else result.skipped++;
    }
    if (options.keepGoing && !(await options.keepGoing())) {
      result.stoppedEarly = true;
      return result;
    }
  }
  result.stoppedEarly = (await candidates(1)).length > 0;
  return result;
}
