import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import type { Ticket, TicketEvent } from '../src/tickets/types.js';
import { conversationValue } from './conversation.js';
import { actionIds } from './ids.js';
import type { Notice } from './notices.js';
import { requesterMention } from './notices.js';
import { duration } from './stats.js';
import { PRIORITY_BADGE, STATUS_BADGE, clip, escapeMrkdwn, mrkdwn, plain, waited } from './text.js';

export interface LiveMessageData {
  ticket: Ticket;
  groupName: string;
  now: Date;
  /** "SLA: first reply due in 2 h", when the workspace sets targets (rendered by the caller, mrkdwn). */
  sla?: string | null;
  /** Names a group by id: the group an escalated ticket came from. */
  groupNameOf?: (id: number) => string;
}

/** The first lines of an escalation's note, on one line of the live message. */
const ESCALATION_EXCERPT_LINES = 3;

/** Where an escalated ticket came from, for the team it came to: which group, who sent it, and why (the note's first lines). */
export function escalationOriginLine(ticket: Ticket, groupName: (id: number) => string): string | null {
  const origin = ticket.escalatedFrom;
  if (!origin || origin.groupId === ticket.groupId) return null;
  const lines = origin.note.split('\n').map((line) => line.trim()).filter(Boolean);
  const excerpt = clip(lines.slice(0, ESCALATION_EXCERPT_LINES).join(' / '), 280);
  const more = lines.length > ESCALATION_EXCERPT_LINES || excerpt.length < lines.join(' / ').length ? ' (the whole note is in the thread)' : '';
  return `:arrow_heading_up: Escalated from *${escapeMrkdwn(groupName(origin.groupId))}* by <@${origin.by}>: “${escapeMrkdwn(excerpt)}”${more}`;
}

const TAKEABLE: readonly Ticket['status'][] = ['new', 'open'];

/**
 * The ticket's one message in its group's channel, updated in place on every change: what it is, where
 * it stands, who has it, and the buttons anyone there may press. Its thread is the team's own
 * conversation about the ticket, with a line per event.
 */
export function liveTicketMessage(data: LiveMessageData): Notice {
  const { ticket } = data;
  const facts = [
    STATUS_BADGE[ticket.status],
    PRIORITY_BADGE[ticket.priority],
    escapeMrkdwn(data.groupName),
    ticket.assignee ? `with <@${ticket.assignee}>` : '_unassigned_',
  ];
  if (ticket.mergedInto !== null) facts.push(`merged into #${ticket.mergedInto}`);
  const lines = [`*#${ticket.number}* ${escapeMrkdwn(clip(ticket.subject, 150))}`, facts.join(' · '), `from ${requesterMention(ticket)} · opened ${waited(ticket.createdAt, data.now)} ago`];
  const escalation = data.groupNameOf ? escalationOriginLine(ticket, data.groupNameOf) : null;
  if (escalation) lines.push(escalation);
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(lines.join('\n')) }];
  const context: string[] = [];
  if (data.sla) context.push(data.sla);
  if (ticket.source.permalink) context.push(`<${ticket.source.permalink}|Original message>`);
  if (ticket.tags && ticket.tags.length > 0) context.push(ticket.tags.map((tag) => `\`${escapeMrkdwn(tag)}\``).join(' '));
  if (context.length > 0) blocks.push({ type: 'context', elements: [mrkdwn(context.join(' · '))] });
  const buttons: Button[] = [];
  if (ticket.assignee === null && TAKEABLE.includes(ticket.status) && ticket.mergedInto === null) {
    buttons.push({ type: 'button', action_id: actionIds.take, text: plain('Take it'), value: String(ticket.number), style: 'primary' });
  }
  buttons.push({ type: 'button', action_id: actionIds.show, text: plain('Work on it'), value: String(ticket.number) });
  buttons.push({ type: 'button', action_id: actionIds.conversation, text: plain('Conversation'), value: conversationValue(ticket.number, 0, 0) });
  buttons.push({ type: 'button', action_id: actionIds.history, text: plain('History'), value: `${ticket.number}:0` });
  blocks.push({ type: 'actions', block_id: `live_${ticket.number}`, elements: buttons } satisfies ActionsBlock);
  const who = ticket.assignee ? ` · <@${ticket.assignee}>` : ' · unassigned';
  return { text: `#${ticket.number} ${escapeMrkdwn(clip(ticket.subject, 150))} · ${ticket.status}${who}`, blocks };
}

/** What a live message says once its ticket went to another group: where to find it now. */
export function movedTicketMessage(ticket: Ticket, toGroupName: string): Notice {
  const text = `*#${ticket.number}* ${escapeMrkdwn(clip(ticket.subject, 150))}\n:arrow_heading_up: Escalated to ${escapeMrkdwn(toGroupName)}; it is worked there now.`;
  return {
    text: `#${ticket.number} moved to ${escapeMrkdwn(toGroupName)}`,
    blocks: [
      { type: 'section', text: mrkdwn(text) },
      { type: 'actions', elements: [{ type: 'button', action_id: actionIds.history, text: plain('History'), value: `${ticket.number}:0` }] },
    ],
  };
}

function statusOf(value: unknown): string | undefined {
  const status = typeof value === 'object' && value !== null ? (value as { status?: unknown }).status : undefined;
  return typeof status === 'string' ? status : undefined;
}

const CLOCK_NAME: Record<string, string> = { firstReply: 'first reply', resolution: 'resolution' };

function tagList(value: unknown): string {
  const tags = Array.isArray(value) ? value.filter((tag): tag is string => typeof tag === 'string') : [];
  return tags.length > 0 ? tags.map((tag) => `\`${escapeMrkdwn(tag)}\``).join(' ') : '_none_';
}

function quoted(value: unknown, max = 150): string {
  return typeof value === 'string' && value !== '' ? `“${escapeMrkdwn(clip(value, max))}”` : '—';
}

function emailRequester(value: Record<string, unknown>): string {
  return `${quoted(value.name, 80)} (${typeof value.email === 'string' ? escapeMrkdwn(clip(value.email, 120)) : '—'})`;
}

function excerpt(text: string, max = 300): string {
  return `“${escapeMrkdwn(clip(text.replace(/\s+/g, ' ').trim(), max))}”`;
}

/**
 * One short line in the live message's thread for an event, or null when the event is not worth a
 * line there (the message itself shows it, or it is noise). `commentText` is the text of the comment
 * the event names, when it names one; `groupName` names a group by id.
 */
export function eventLine(event: TicketEvent, commentText: string | null, groupName: (id: number) => string): string | null {
  const by = event.actor.kind === 'agent' ? `<@${event.actor.id}>` : event.actor.kind === 'requester' || event.actor.kind === 'api' ? 'the requester' : escapeMrkdwn(event.actor.name ?? event.actor.id);
  const to = (event.to ?? {}) as Record<string, unknown>;
  const from = (event.from ?? {}) as Record<string, unknown>;
  switch (event.action) {
    case 'taken':
      return `:raising_hand: Taken by ${by}`;
    case 'assigned':
      if (to.via === 'handoff') return `:handshake: <@${String(to.assignee)}> took it over from <@${String(from.assignee)}>`;
      return `:bust_in_silhouette: Assigned to <@${String(to.assignee)}>${event.actor.kind === 'agent' && event.actor.id !== to.assignee ? ` by ${by}` : ''}`;
    case 'released':
      return `:leftwards_arrow_with_hook: Back in the queue${from.assignee && event.actor.id !== from.assignee ? ` (it was with <@${String(from.assignee)}>)` : ''}, released by ${by}`;
    case 'handoff_requested':
      return `:handshake: <@${String(from.assignee)}> asked <@${String(to.assignee)}> to take it over`;
    case 'handoff_declined':
      return `:handshake: <@${String(to.assignee)}> declined to take it over; it stays with <@${String(from.assignee)}>`;
    case 'subject_changed':
      return `:pencil2: Subject ${quoted(from.subject)} → ${quoted(to.subject)} by ${by}`;
    case 'tags_changed':
      return `:label: Tags ${tagList(to.tags)} by ${by}`;
    case 'requester_changed':
      return `:pencil2: Requester ${emailRequester(from)} → ${emailRequester(to)} by ${by}`;
    case 'sla_warning':
      return `:hourglass: About to breach its ${CLOCK_NAME[String(to.clock)] ?? 'SLA'} target: ${duration(Number(to.remainingMs))} left`;
    case 'sla_breached':
      return `:rotating_light: Breached its ${CLOCK_NAME[String(to.clock)] ?? 'SLA'} target (over by ${duration(Number(to.overByMs))})`;
    case 'replied':
      return `:speech_balloon: ${by} replied to the requester${commentText ? `: ${excerpt(commentText)}` : ''}`;
    case 'noted':
      return `:lock: ${by} added an internal note${commentText ? `: ${excerpt(commentText)}` : ''}`;
    case 'requester_replied':
      return `:bust_in_silhouette: The requester wrote${commentText ? `: ${excerpt(commentText)}` : ''}`;
    case 'reopened':
      return `:bust_in_silhouette: The requester wrote, so it is open again (it was ${statusOf(event.from) ?? 'solved'})${commentText ? `: ${excerpt(commentText)}` : ''}`;
    case 'status_changed': {
      const next = statusOf(event.to);
      if (next === 'solved') return `:white_check_mark: Solved by ${by}`;
      if (next === 'closed') return `:lock: Closed${event.note ? ` (${escapeMrkdwn(event.note)})` : ''}`;
      return `Status ${statusOf(event.from) ?? '?'} → ${next ?? '?'} by ${by}`;
    }
    case 'escalated':
      return `:arrow_heading_up: Escalated from ${escapeMrkdwn(groupName(Number(from.groupId)))} to ${escapeMrkdwn(groupName(Number(to.groupId)))} by ${by}${commentText ? `\n>${escapeMrkdwn(clip(commentText, 2500)).replace(/\n/g, '\n>')}` : ''}`;
    case 'merged_into':
      return `:twisted_rightwards_arrows: Being merged into #${String(to.number)} by ${by}`;
    case 'merged_from':
      return `:twisted_rightwards_arrows: #${String(from.number)} was merged into this ticket`;
    case 'problem_marked':
      return `:jigsaw: Marked as a problem by ${by}`;
    case 'incident_linked':
      return `:jigsaw: Linked as an incident of #${String(to.problemOf)} by ${by}`;
    case 'auto_closed':
      return `:lock: Closed: no reply from the requester${event.note ? ` (${escapeMrkdwn(event.note)})` : ''}`;
    case 'follow_up_created':
      return `:leftwards_arrow_with_hook: The requester wrote after it closed: follow-up #${String(to.number)}`;
    case 'priority_changed':
      return `Priority ${String(from.priority ?? '?')} → ${String(to.priority ?? '?')} by ${by}`;
    default:
      return null;
  }
}
