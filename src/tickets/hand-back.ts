import type { Transfer } from '../chats/types.js';
import { MINUTE_MS } from '../clock.js';
import { ticketEvent } from '../events/ticket-events.js';
import type { TicketChanges } from '../store/tickets.js';
import type { Group } from '../workspace/schema.js';
import type { Desk } from './desk.js';
import { reminderActor } from './reminders.js';
import type { HandBackWatch, Ticket, TicketAction } from './types.js';

/**
 * Hand-back (docs/reminders.md): a ticket given to someone by someone else (assigned, a hand-over
 * accepted) who then neither replies, notes nor changes its status within the group's
 * `handBack.afterMinutes` goes back to the queue or to whoever had it before. The store keeps the
 * watch (Ticket.handBackWatch) in the same write as the assignment; this job reads the owner's acts
 * from the history and either lets go of the watch or moves the ticket, in one conditional write on
 * the watch's moment, so two runs never move it twice and a new assignment in between is never undone.
 */
const BATCH = 200;
const MAX_TICKETS = 20_000;
const HISTORY_READ = 300;

/** What counts as acting on a ticket. */
const ACTS: ReadonlySet<TicketAction> = new Set<TicketAction>(['replied', 'noted', 'status_changed']);

export interface HandBackResult {
  handedBack: number;
  /** Owners who acted in time: no longer watched. */
  kept: number;
  transfersReturned: number;
}

export async function handBackUnactedTickets(
  desk: Desk,
  now: Date,
  options: { keepGoing?: () => Promise<boolean> } = {},
): Promise<HandBackResult> {
  const result: HandBackResult = { handedBack: 0, kept: 0, transfersReturned: 0 };
  for (const group of desk.directory.groups()) {
    if (!group.handBack) continue;
    const cutoff = new Date(now.getTime() - group.handBack.afterMinutes * MINUTE_MS);
    let after = 0;
    for (let read = 0; read < MAX_TICKETS; read += BATCH) {
      const batch = await desk.store.reminders.watchedSince(group.id, cutoff, after, BATCH);
      for (const ticket of batch) {
        const outcome = await handBackIfUnacted(desk, group, ticket, now);
        if (outcome === 'handed-back') result.handedBack++;
        else if (outcome === 'kept') result.kept++;
      }
      if (batch.length < BATCH) break;
      after = batch.at(-1)!.number;
      if (options.keepGoing && !(await options.keepGoing())) break;
    }
  }
  result.transfersReturned = await returnUnacceptedTransfers(desk, now);
  return result;
}

async function handBackIfUnacted(
  desk: Desk,
  group: Group,
  ticket: Ticket,
  now: Date,
): Promise<'handed-back' | 'kept' | 'skipped'> {
  const watch = ticket.handBackWatch;
  if (!watch) return 'skipped';
  const since = new Date(watch.since);
  const stillTheirs = ticket.assignee === watch.assignee && ticket.mergedInto === null && ticket.channel !== 'chat';
  if (!stillTheirs || (await actedSince(desk, ticket.number, watch.assignee, since))) {
    await stopWatching(desk, ticket.number, since);
    return 'kept';
  }
  const to = group.handBack!.to === 'previous' ? previousOwner(desk, group, watch) : null;
  const changed = await desk.store.tickets.change(
    ticket.number,
    { assignee: watch.assignee, status: ['open'], notMerged: true, fields: { 'handBackWatch.since': since } },
    { assignee: to },
    ticketEvent('handed_back', reminderActor, now, {
      from: { assignee: watch.assignee },
      to: { assignee: to, via: to === null ? 'queue' : 'previous', afterMs: group.handBack!.afterMinutes * MINUTE_MS },
    }),
    now,
  );
  if (!changed) return 'skipped';
  desk.events.ticketChanged(ticket.number);
  return 'handed-back';
}

/** The previous owner, when they are still an agent of the group; otherwise the queue takes it. */
function previousOwner(desk: Desk, group: Group, watch: HandBackWatch): string | null {
  if (!watch.previous || watch.previous === watch.assignee) return null;
  return desk.directory.agent(watch.previous)?.groups.includes(group.id) ? watch.previous : null;
}

async function actedSince(desk: Desk, ticketNumber: number, agent: string, since: Date): Promise<boolean> {
  const history = await desk.store.tickets.history(ticketNumber, HISTORY_READ);
  // So much happened since that the read does not reach back to the moment it was given: that is not a ticket left alone.
  if (history.length >= HISTORY_READ && new Date(history[0]!.at).getTime() > since.getTime()) return true;
  return history.some(
    (event) =>
      ACTS.has(event.action) &&
      event.actor.kind === 'agent' &&
      event.actor.id === agent &&
      new Date(event.at).getTime() >= since.getTime(),
  );
}

async function stopWatching(desk: Desk, ticketNumber: number, since: Date): Promise<void> {
  await desk.store.tickets.record(
    ticketNumber,
    { fields: { 'handBackWatch.since': since } },
    { handBackWatch: null } as TicketChanges,
    [],
  );
}

/** How far back an expired transfer is still returned: a run missed for longer leaves the chat where it is. */
const TRANSFER_RETURN_WINDOW_MS = 60 * MINUTE_MS;

/**
 * A chat transfer nobody accepted: the transfer-expiry job marks it expired (the chat stayed with the
 * agent who asked, who is told); in a group whose hand-back goes to the queue, the chat then goes back
 * to the group's queue for the first agent who accepts. Each step is conditional — the chat only while
 * it is live with that agent, the ticket only while it is still theirs — so a run cut anywhere is
 * finished by the next, and the transfer is marked returned last.
 */
export async function returnUnacceptedTransfers(desk: Desk, now: Date, limit = 100): Promise<number> {
  const expired = await desk.store.reminders.expiredTransfersSince(
    new Date(now.getTime() - TRANSFER_RETURN_WINDOW_MS),
    limit,
  );
  let returned = 0;
  for (const transfer of expired) {
    if (await returnTransfer(desk, transfer, now)) returned++;
    await desk.store.reminders.transferReturned(transfer.id, now);
  }
  return returned;
}

async function returnTransfer(desk: Desk, transfer: Transfer, now: Date): Promise<boolean> {
  const chat = await desk.store.chats.get(transfer.ticketNumber);
  if (!chat || desk.directory.group(chat.groupId)?.handBack?.to !== 'queue') return false;
  if (chat.state === 'live' && chat.agent === transfer.from) {
    const queued = await desk.store.chats.change(
      transfer.ticketNumber,
      { state: ['live'], agent: transfer.from },
      { state: 'waiting', agent: null, lastActivityAt: now },
    );
    if (!queued) return false;
  } else if (!(chat.state === 'waiting' && chat.agent === null)) {
    return false;
  }
  // The chat waits in the queue (now, or since a run that stopped here): the ticket follows it, once.
  const changed = await desk.store.tickets.change(
    transfer.ticketNumber,
    { assignee: transfer.from },
    { assignee: null },
    [
      ticketEvent('transfer_returned', reminderActor, now, {
        from: { agent: transfer.from },
        to: { groupId: chat.groupId },
        note: transfer.id,
      }),
      ticketEvent('chat_requeued', reminderActor, now, {
        from: { assignee: transfer.from },
        to: { groupId: chat.groupId },
      }),
    ],
    now,
  );
  if (!changed) return false;
  desk.events.ticketChanged(transfer.ticketNumber);
  return true;
}
