import { DAY_MS, HOUR_MS, MINUTE_MS } from '../clock.js';
import { ticketEvent } from '../events/ticket-events.js';
import type { TicketChanges } from '../store/tickets.js';
import type { Group, Priority } from '../workspace/schema.js';
import type { Delivery } from './deliveries.js';
import type { Desk } from './desk.js';
import { calendarOf, countedMs } from './sla.js';
import type { Actor, Ticket } from './types.js';

/**
 * Reminders (docs/reminders.md): an open ticket's assignee once it has waited on them, the group's
 * leads past a second threshold, a pending ticket's requester before the auto-close, a queue nobody is
 * online for. Each reminder is given once per wait: its mark (the moment the wait began) is set in the
 * same conditional write as its event, so a second run, a second replica or a clock moved back finds
 * it marked; the message itself goes through the delivery queue under an id made of the ticket and
 * the wait, so a send cut half-way is finished by the retry job and never doubled.
 */
export const reminderActor: Actor = { kind: 'system', id: 'reminders', name: 'deskbolt' };

const BATCH = 200;
const MAX_TICKETS = 20_000;

export interface ReminderRunResult {
  assigneesReminded: number;
  leadsTold: number;
  requestersAsked: number;
  queuesAlerted: number;
}

export async function sendReminders(
  desk: Desk,
  now: Date,
  options: { keepGoing?: () => Promise<boolean> } = {},
): Promise<ReminderRunResult> {
  const result: ReminderRunResult = { assigneesReminded: 0, leadsTold: 0, requestersAsked: 0, queuesAlerted: 0 };
  for (const group of desk.directory.groups()) {
    const reminders = group.reminders;
    if (!reminders) continue;
    if (reminders.assigneeAfter || reminders.leadAfter) {
      const told = await remindAssignees(desk, group, now, options);
      result.assigneesReminded += told.assignees;
      result.leadsTold += told.leads;
    }
    if (reminders.pendingRequesterBeforeCloseHours !== undefined)
      result.requestersAsked += await askPendingRequesters(desk, group, now, options);
    if (reminders.queueAlert && (await alertUnattendedQueue(desk, group, now))) result.queuesAlerted++;
    if (options.keepGoing && !(await options.keepGoing())) break;
  }
  return result;
}

function thresholdMs(minutes: Partial<Record<Priority, number>> | undefined, priority: Priority): number | null {
  const value = minutes?.[priority];
  return value === undefined ? null : value * MINUTE_MS;
}

/** The group's leads (and admins of it) other than the assignee: who hears of a ticket left waiting. */
export function leadsOf(desk: Desk, groupId: number, except: string | null): string[] {
  return desk.directory
    .agentsOf(groupId)
    .filter((agent) => agent.user !== except && desk.directory.isLeadOf(agent.user, groupId))
    .map((agent) => agent.user);
}

async function remindAssignees(
  desk: Desk,
  group: Group,
  now: Date,
  options: { keepGoing?: () => Promise<boolean> },
): Promise<{ assignees: number; leads: number }> {
  const told = { assignees: 0, leads: 0 };
  const { assigneeAfter, leadAfter } = group.reminders!;
  const shortest = Math.min(
    ...[...Object.values(assigneeAfter ?? {}), ...Object.values(leadAfter ?? {})].filter(
      (minutes): minutes is number => minutes !== undefined,
    ),
  );
  if (!Number.isFinite(shortest)) return told;
  // Business time never runs faster than the wall clock, so a ticket changed after this has waited too little either way.
  const cutoff = new Date(now.getTime() - shortest * MINUTE_MS);
  const calendar = calendarOf(desk.directory.workspace, group.id);
  let after = 0;
  for (let read = 0; read < MAX_TICKETS; read += BATCH) {
    const batch = await desk.store.reminders.openUnchangedSince(group.id, cutoff, after, BATCH);
    for (const ticket of batch) {
      if (!ticket.assignee || ticket.mergedInto !== null) continue;
      const waitedMs = countedMs(ticket.updatedAt, now, calendar);
      const marks = ticket.reminderMarks ?? {};
      const forAssignee = thresholdMs(assigneeAfter, ticket.priority);
      if (forAssignee !== null && waitedMs >= forAssignee && !sameMoment(marks.assigneeFor, ticket.updatedAt)) {
        const recorded = await mark(desk, ticket, 'assigneeFor', ticket.updatedAt, [
          ticketEvent('assignee_reminded', reminderActor, now, {
            to: { assignee: ticket.assignee, waitedMs, afterMs: forAssignee },
          }),
        ]);
        if (recorded) told.assignees++;
      }
      const forLead = thresholdMs(leadAfter, ticket.priority);
      const leads = leadsOf(desk, group.id, ticket.assignee);
      if (forLead !== null && leads.length > 0 && waitedMs >= forLead && !sameMoment(marks.leadFor, ticket.updatedAt)) {
        const recorded = await mark(desk, ticket, 'leadFor', ticket.updatedAt, [
          ticketEvent('lead_reminded', reminderActor, now, {
            to: { assignee: ticket.assignee, leads, waitedMs, afterMs: forLead },
          }),
        ]);
        if (recorded) told.leads++;
      }
    }
    if (batch.length < BATCH) break;
    after = batch.at(-1)!.number;
    if (options.keepGoing && !(await options.keepGoing())) break;
  }
  return told;
}

/** When the auto-close will close a ticket pending since `pendingSince`. */
export function closesAt(desk: Desk, pendingSince: Date): Date {
  return new Date(pendingSince.getTime() + desk.settings.pendingCloseDays * DAY_MS);
}

async function askPendingRequesters(
  desk: Desk,
  group: Group,
  now: Date,
  options: { keepGoing?: () => Promise<boolean> },
): Promise<number> {
  const beforeMs = group.reminders!.pendingRequesterBeforeCloseHours! * HOUR_MS;
  const closeMs = desk.settings.pendingCloseDays * DAY_MS;
  // Pending since (now - close, now - close + before]: due for the reminder and not yet closed.
  const askFrom = new Date(now.getTime() - closeMs + beforeMs);
  const closedBy = new Date(now.getTime() - closeMs);
  let asked = 0;
  let after = 0;
  for (let read = 0; read < MAX_TICKETS; read += BATCH) {
    const batch = await desk.store.reminders.pendingBetween(group.id, closedBy, askFrom, after, BATCH);
    for (const ticket of batch) {
      if (!ticket.pendingSince || sameMoment(ticket.reminderMarks?.pendingFor, ticket.pendingSince)) continue;
      // A requester who wrote since the ticket went pending is not waited on (their reply is being read).
      if (ticket.lastRequesterReplyAt && ticket.lastRequesterReplyAt > ticket.pendingSince) continue;
      // Mail goes out only with SMTP_URL: without it an email requester is not asked (nothing is recorded).
      if (ticket.requester.kind !== 'slack' && !desk.settings.sendsMail) continue;
      const recorded = await mark(desk, ticket, 'pendingFor', ticket.pendingSince, [
        ticketEvent('requester_reminded', reminderActor, now, {
          to: {
            via: ticket.requester.kind === 'slack' ? 'slack' : 'email',
            closesAt: closesAt(desk, ticket.pendingSince),
          },
        }),
      ]);
      if (recorded) asked++;
    }
    if (batch.length < BATCH) break;
    after = batch.at(-1)!.number;
    if (options.keepGoing && !(await options.keepGoing())) break;
  }
  return asked;
}

/**
 * Sets one reminder's mark with its event, only while the ticket is still as it was read: the same
 * wait (updatedAt, pendingSince) and not yet marked for it.
 */
async function mark(
  desk: Desk,
  ticket: Ticket,
  key: 'assigneeFor' | 'leadFor' | 'pendingFor',
  wait: Date,
  events: Parameters<Desk['store']['tickets']['record']>[3],
): Promise<boolean> {
  const waitField = key === 'pendingFor' ? 'pendingSince' : 'updatedAt';
  const recorded = await desk.store.tickets.record(
    ticket.number,
    {
      status: [ticket.status],
      assignee: ticket.assignee,
      fields: { [waitField]: wait, [`reminderMarks.${key}`]: { $ne: wait } },
    },
    { [`reminderMarks.${key}`]: wait } as TicketChanges,
    events,
  );
  if (recorded) desk.events.ticketChanged(ticket.number);
  return recorded !== null;
}

function sameMoment(a: Date | undefined | null, b: Date): boolean {
  return a instanceof Date ? a.getTime() === b.getTime() : a ? new Date(a).getTime() === b.getTime() : false;
}

/** The hour an unattended queue is told for: at most one alert per group in it. */
export const QUEUE_ALERT_EVERY_MS = HOUR_MS;

/**
 * A queue whose oldest ticket waited past the threshold while nobody of the group is online is said so
 * in the group's channel, at most once an hour: the hour is a lease on `queue-alert:<group>` taken in
 * one atomic update and left to run out, so two replicas (or two runs) in it get it once.
 */
async function alertUnattendedQueue(desk: Desk, group: Group, now: Date): Promise<boolean> {
  const olderThanMs = group.reminders!.queueAlert!.olderThanMinutes * MINUTE_MS;
  const [oldest] = await desk.store.tickets.oldestWaiting([group.id], 1);
  if (!oldest || now.getTime() - oldest.createdAt.getTime() < olderThanMs) return false;
  const agents = desk.directory.agentsOf(group.id).map((agent) => agent.user);
  const states = await desk.store.chats.availabilities(agents);
  if (agents.some((agent) => states.get(agent) === 'online')) return false;
  if (!(await desk.store.leases.acquire(`queue-alert:${group.id}`, 'queue-alert', now, QUEUE_ALERT_EVERY_MS)))
    return false;
  const waiting = await desk.store.tickets.countQueue([group.id]);
  desk.events.signal({
    type: 'queue_unattended',
    groupId: group.id,
    waiting,
    oldest: oldest.number,
    oldestFiledAt: oldest.createdAt,
    window: now.toISOString(),
  });
  return true;
}

/**
 * The "we are waiting for your answer" mail to an email requester, queued under the id of its pending
 * stretch (one per stretch, whoever queues it) and automatic, so no autoresponder answers it.
 */
export async function queuePendingReminderMail(
  desk: Desk,
  ticket: Ticket,
  message: { id: string; text: string },
): Promise<Delivery> {
  return desk.store.deliveries.queue({
    id: message.id,
    ticketNumber: ticket.number,
    purpose: 'pending reminder',
    via: 'email',
    commentId: null,
    to: ticket.requester,
    text: message.text,
    createdAt: desk.clock(),
  });
}
