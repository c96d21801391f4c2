import type { Ticket } from '../src/tickets/types.js';
import { escapeMrkdwn } from './text.js';

/**
 * What reminders and hand-backs say (docs/reminders.md). Pure text builders: a subject is the
 * requester's words, escaped on every way into mrkdwn; the mail text stays plain.
 */

type Subjected = Pick<Ticket, 'number' | 'subject'>;

function subjectOf(ticket: Subjected): string {
  return `#${ticket.number} “${escapeMrkdwn(ticket.subject.slice(0, 150))}”`;
}

/** "45 minutes", "3 hours", "2 days": a threshold as a person says it. */
export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hours`;
  return `${Math.round(hours / 24)} days`;
}

export function assigneeReminder(ticket: Subjected, waitedMs: number, businessHours: boolean): string {
  return (
    `:alarm_clock: ${subjectOf(ticket)} has waited on you for ${duration(waitedMs)}` +
    `${businessHours ? ' (business hours)' : ''}. Reply, add a note or change its status — or hand it over if you cannot get to it.`
  );
}

export function leadReminder(ticket: Subjected, assignee: string, groupName: string, waitedMs: number): string {
  return `:rotating_light: ${subjectOf(ticket)} in ${escapeMrkdwn(groupName)} has waited on <@${assignee}> for ${duration(waitedMs)}.`;
}

/** A moment as the requester reads it, in the desk's time zone. */
export function closingTime(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(at);
}

/** "We are waiting for your answer": in the requester's Slack thread (mrkdwn) or as mail (plain). */
export function pendingReminder(ticket: Subjected, closesAt: string, via: 'slack' | 'email'): string {
  const subject = via === 'slack' ? subjectOf(ticket) : `#${ticket.number} “${ticket.subject.slice(0, 150)}”`;
  const how = via === 'slack' ? 'reply in this thread' : 'reply to this email';
  return (
    `We are waiting for your answer on ${subject}. ` +
    `If we do not hear from you, we will close it on ${closesAt}: ${how} to keep it open.`
  );
}

export function handedBackToOwner(ticket: Subjected, afterMs: number, to: string | null, groupName: string): string {
  const where = to ? `to <@${to}>` : `to ${escapeMrkdwn(groupName)}'s queue`;
  return `:leftwards_arrow_with_hook: ${subjectOf(ticket)} went back ${where}: nothing was done on it within ${duration(afterMs)} of it being given to you.`;
}

export function handedBackToPrevious(ticket: Subjected, afterMs: number, from: string): string {
  return `:leftwards_arrow_with_hook: ${subjectOf(ticket)} is yours again: <@${from}> did not act on it within ${duration(afterMs)}.`;
}

export function handedBackToQueue(ticket: Subjected, afterMs: number, from: string): string {
  return `:leftwards_arrow_with_hook: ${subjectOf(ticket)} is back in the queue: <@${from}> did not act on it within ${duration(afterMs)}.`;
}

export function transferReturned(ticketNumber: number, groupName: string): string {
  return `:leftwards_arrow_with_hook: Nobody accepted the transfer of the chat of #${ticketNumber}: it went back to ${escapeMrkdwn(groupName)}'s queue, for the first agent who accepts it.`;
}

export function unattendedQueue(groupName: string, waiting: number, oldest: number, oldestWaited: string): string {
  const group = escapeMrkdwn(groupName);
  return (
    `:hourglass: ${waiting} ticket${waiting === 1 ? '' : 's'} wait${waiting === 1 ? 's' : ''} in ${group}'s queue, ` +
    `the oldest (#${oldest}) for ${oldestWaited}, and nobody of ${group} is online.`
  );
}
