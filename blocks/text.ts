import type { MrkdwnElement, PlainTextElement } from '@slack/types';
import type { Priority, Ticket } from '../src/tickets/types.js';

export function plain(text: string, max = 3000): PlainTextElement {
  return { type: 'plain_text', text: clip(text, max) || ' ', emoji: true };
}

export function mrkdwn(text: string, max = 3000): MrkdwnElement {
  return { type: 'mrkdwn', text: clip(text, max) || ' ' };
}

/** Slack refuses over-long text outright, so long text is cut with an ellipsis rather than lost with the message. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** User text inside mrkdwn: &, < and > would otherwise become links, mentions or broken markup. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const STATUS_BADGE: Record<Ticket['status'], string> = {
  new: ':new: New',
  open: ':large_blue_circle: Open',
  pending: ':hourglass_flowing_sand: Pending',
  solved: ':white_check_mark: Solved',
  closed: ':lock: Closed',
};

export const PRIORITY_BADGE: Record<Priority, string> = {
  low: 'Low',
  normal: 'Normal',
  high: ':arrow_up: High',
  urgent: ':rotating_light: Urgent',
};

/** "3 min", "2 h", "4 d": how long something has waited, from the passed clock. */
export function waited(since: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

/**
 * A link's address inside `<address|label>`, as Slack encodes a link typed in a message
 * (https://docs.slack.dev/messaging/formatting-message-text/#escaping): `&`, `<` and `>` escaped, and
 * a `|` percent-encoded, since the first `|` ends the address. A `<`, `>` or `|` left raw would end
 * the link early and turn the rest into markup.
 */
export function linkAddress(url: string): string {
  return url.replace(/&/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/\|/g, '%7C');
}

/**
 * An email address in mrkdwn, as a mailto link that shows the address: `<a@b.c>` alone is not a link
 * Slack makes (https://docs.slack.dev/messaging/formatting-message-text/#linking-urls).
 */
export function emailLink(email: string): string {
  return `<mailto:${escapeMrkdwn(encodeURI(email))}|${escapeMrkdwn(email)}>`;
}

export function requesterText(ticket: Pick<Ticket, 'requester'>): string {
  const requester = ticket.requester;
  return requester.kind === 'slack'
    ? `<@${requester.userId}>`
    : `${escapeMrkdwn(requester.name)} (${emailLink(requester.email)})`;
}
