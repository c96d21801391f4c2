import { ticketEvent } from '../events/ticket-events.js';
import type { TicketChanges } from '../store/tickets.js';
import type { Desk } from './desk.js';
import { type SlaClockState, slaState } from './sla.js';
import { type SlaClock, type SlaMarks, type Ticket, UNSOLVED_STATUSES } from './types.js';

/**
 * The job behind "about to breach" and "breached": each unsolved ticket with a target is read in
 * number order, a bounded batch at a time, and each warning and each breach is recorded once — the
 * mark is set in the same conditional write as its event, so two runs (or replicas) never record it
 * twice. The events change nothing an agent edits, so an open reply form stays valid.
 */
const BATCH = 500;
const MAX_TICKETS = 50_000;

export interface SlaWatchResult {
  warned: number;
  breached: number;
  checked: number;
}

export async function watchSlas(
  desk: Desk,
  now: Date,
  options: { keepGoing?: () => Promise<boolean> } = {},
): Promise<SlaWatchResult> {
  const result: SlaWatchResult = { warned: 0, breached: 0, checked: 0 };
  const sla = desk.directory.workspace.sla;
  if (!sla) return result;
  const priorities = Object.entries(sla.targets)
    .filter(([, target]) => target && (target.firstReply !== undefined || target.resolution !== undefined))
    .map(([priority]) => priority);
  if (priorities.length === 0) return result;
  let after = 0;
  while (result.checked < MAX_TICKETS) {
    const batch = await desk.store.search.unsolvedAfter(after, UNSOLVED_STATUSES, priorities, BATCH);
    if (batch.length === 0) break;
    for (const ticket of batch) {
      result.checked++;
      const state = slaState(ticket, now, desk.directory.workspace);
      for (const clock of [state.firstReply, state.resolution]) {
        if (clock) await mark(desk, ticket, clock, now, result);
      }
    }
    after = batch.at(-1)!.number;
    if (options.keepGoing && !(await options.keepGoing())) break;
  }
  return result;
}

async function mark(
  desk: Desk,
  ticket: Ticket,
  clock: SlaClockState,
  now: Date,
  result: SlaWatchResult,
): Promise<void> {
  const marks: SlaMarks = ticket.slaMarks ?? {};
  const warnedKey = `${clock.clock}Warned` as const;
  const breachedKey = `${clock.clock}Breached` as const;
  const actor = { kind: 'system' as const, id: 'sla-watch', name: 'SLA' };
  if (clock.status === 'breached' && !marks[breachedKey]) {
    const warned = Boolean(marks[warnedKey]);
    const recorded = await desk.store.tickets.record(
      ticket.number,
      { fields: { [`slaMarks.${breachedKey}`]: { $exists: false } } },
      { [`slaMarks.${breachedKey}`]: now } as TicketChanges,
      [
        ticketEvent('sla_breached', actor, now, {
          to: { clock: clock.clock satisfies SlaClock, targetMs: clock.targetMs, overByMs: -clock.remainingMs, warned },
        }),
      ],
    );
    if (recorded) {
      result.breached++;
      desk.events.ticketChanged(ticket.number);
    }
    return;
  }
  if (clock.status === 'at_risk' && !marks[warnedKey]) {
    const recorded = await desk.store.tickets.record(
      ticket.number,
      { fields: { [`slaMarks.${warnedKey}`]: { $exists: false } } },
      { [`slaMarks.${warnedKey}`]: now } as TicketChanges,
      [
        ticketEvent('sla_warning', actor, now, {
          to: { clock: clock.clock, targetMs: clock.targetMs, remainingMs: clock.remainingMs, dueAt: clock.dueAt },
        }),
      ],
    );
    if (recorded) {
      result.warned++;
      desk.events.ticketChanged(ticket.number);
    }
  }
}
