import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import type { SlaClock, Ticket, TicketAction, TicketEvent, TicketEventOf } from '../src/tickets/types.js';
import { conversationValue } from './conversation.js';
import { actionIds } from './ids.js';
import type { Notice } from './notices.js';
import { requesterMention } from './notices.js';
import { duration } from './stats.js';
import { clip, escapeMrkdwn, mrkdwn, PRIORITY_BADGE, plain, STATUS_BADGE, waited } from './text.js';

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
  const lines = origin.note
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const excerpt = clip(lines.slice(0, ESCALATION_EXCERPT_LINES).join(' / '), 280);
  const more =
    lines.length > ESCALATION_EXCERPT_LINES || excerpt.length < lines.join(' / ').length
      ? ' (the whole note is in the thread)'
      : '';
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
  const lines = [
    `*#${ticket.number}* ${escapeMrkdwn(clip(ticket.subject, 150))}`,
    facts.join(' · '),
    `from ${requesterMention(ticket)} · opened ${waited(ticket.createdAt, data.now)} ago`,
  ];
  const escalation = data.groupNameOf ? escalationOriginLine(ticket, data.groupNameOf) : null;
  if (escalation) lines.push(escalation);
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(lines.join('\n')) }];
  const context: string[] = [];
  if (data.sla) context.push(data.sla);
  if (ticket.source.permalink) context.push(`<${ticket.source.permalink}|Original message>`);
  if (ticket.tags && ticket.tags.length > 0)
    context.push(ticket.tags.map((tag) => `\`${escapeMrkdwn(tag)}\``).join(' '));
  if (context.length > 0) blocks.push({ type: 'context', elements: [mrkdwn(context.join(' · '))] });
  const buttons: Button[] = [];
  if (ticket.assignee === null && TAKEABLE.includes(ticket.status) && ticket.mergedInto === null) {
    buttons.push({
      type: 'button',
      action_id: actionIds.take,
      text: plain('Take it'),
      value: String(ticket.number),
      style: 'primary',
    });
  }
  buttons.push({ type: 'button', action_id: actionIds.show, text: plain('Work on it'), value: String(ticket.number) });
  buttons.push({
    type: 'button',
    action_id: actionIds.conversation,
    text: plain('Conversation'),
    value: conversationValue(ticket.number, 0, 0),
  });
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
      {
        type: 'actions',
        elements: [
          { type: 'button', action_id: actionIds.history, text: plain('History'), value: `${ticket.number}:0` },
        ],
      },
    ],
  };
}

const CLOCK_NAME: Record<SlaClock, string> = { firstReply: 'first reply', resolution: 'resolution' };

function tagList(tags: readonly string[]): string {
  return tags.length > 0 ? tags.map((tag) => `\`${escapeMrkdwn(tag)}\``).join(' ') : '_none_';
}

function quoted(value: string, max = 150): string {
  return value !== '' ? `“${escapeMrkdwn(clip(value, max))}”` : '—';
}

function emailRequester(value: { email: string; name: string }): string {
  return `${quoted(value.name, 80)} (${escapeMrkdwn(clip(value.email, 120))})`;
}

function excerpt(text: string, max = 300): string {
  return `“${escapeMrkdwn(clip(text.replace(/\s+/g, ' ').trim(), max))}”`;
}

/**
 * One short line in the live message's thread for an event, or null when the event is not worth a
 * line there (the message itself shows it, or it is noise). `commentText` is the text of the comment
 * the event names, when it names one; `groupName` names a group by id.
 */
export function eventLine(
  event: TicketEvent,
  commentText: string | null,
  groupName: (id: number) => string,
): string | null {
  const by =
    event.actor.kind === 'agent'
      ? `<@${event.actor.id}>`
      : event.actor.kind === 'requester' || event.actor.kind === 'api'
        ? 'the requester'
        : escapeMrkdwn(event.actor.name ?? event.actor.id);
  // Looked up by the event's own action, so the line gets that action's event.
  const line = THREAD_LINES[event.action] as ThreadLine<TicketAction> | undefined;
  return line ? line(event, { by, commentText, groupName }) : null;
}

interface LineContext {
  /** Who did it, as the line names them. */
  by: string;
  commentText: string | null;
  groupName: (id: number) => string;
}

type ThreadLine<A extends TicketAction> = (event: TicketEventOf<A>, context: LineContext) => string;

/** A line per action worth one in the thread; an action left out gets none (the message itself shows it, or it is noise). */
const THREAD_LINES: { [A in TicketAction]?: ThreadLine<A> } = {
  taken: (_, { by }) => `:raising_hand: Taken by ${by}`,
  assigned: (event, { by }) =>
    event.to.via === 'handoff'
      ? `:handshake: <@${event.to.assignee}> took it over from <@${event.from.assignee}>`
      : `:bust_in_silhouette: Assigned to <@${event.to.assignee}>${event.actor.kind === 'agent' && event.actor.id !== event.to.assignee ? ` by ${by}` : ''}`,
  released: (event, { by }) =>
    `:leftwards_arrow_with_hook: Back in the queue${event.from.assignee && event.actor.id !== event.from.assignee ? ` (it was with <@${event.from.assignee}>)` : ''}, released by ${by}`,
  handoff_requested: (event) => `:handshake: <@${event.from.assignee}> asked <@${event.to.assignee}> to take it over`,
  handoff_declined: (event) =>
    `:handshake: <@${event.to.assignee}> declined to take it over; it stays with <@${event.from.assignee}>`,
  subject_changed: (event, { by }) =>
    `:pencil2: Subject ${quoted(event.from.subject)} → ${quoted(event.to.subject)} by ${by}`,
  tags_changed: (event, { by }) => `:label: Tags ${tagList(event.to.tags)} by ${by}`,
  requester_changed: (event, { by }) =>
    `:pencil2: Requester ${emailRequester(event.from)} → ${emailRequester(event.to)} by ${by}`,
  sla_warning: (event) =>
    `:hourglass: About to breach its ${CLOCK_NAME[event.to.clock] ?? 'SLA'} target: ${duration(event.to.remainingMs)} left`,
  sla_breached: (event) =>
    `:rotating_light: Breached its ${CLOCK_NAME[event.to.clock] ?? 'SLA'} target (over by ${duration(event.to.overByMs)})`,
  replied: (_, { by, commentText }) =>
    `:speech_balloon: ${by} replied to the requester${commentText ? `: ${excerpt(commentText)}` : ''}`,
  noted: (_, { by, commentText }) =>
    `:lock: ${by} added an internal note${commentText ? `: ${excerpt(commentText)}` : ''}`,
  requester_replied: (_, { commentText }) =>
    `:bust_in_silhouette: The requester wrote${commentText ? `: ${excerpt(commentText)}` : ''}`,
  reopened: (event, { commentText }) =>
    `:bust_in_silhouette: The requester wrote, so it is open again (it was ${event.from.status})${commentText ? `: ${excerpt(commentText)}` : ''}`,
  status_changed: (event, { by }) => {
    if (event.to.status === 'solved') return `:white_check_mark: Solved by ${by}`;
    if (event.to.status === 'closed') return `:lock: Closed${event.note ? ` (${escapeMrkdwn(event.note)})` : ''}`;
    return `Status ${event.from.status} → ${event.to.status} by ${by}`;
  },
  escalated: (event, { by, commentText, groupName }) =>
    `:arrow_heading_up: Escalated from ${escapeMrkdwn(groupName(event.from.groupId))} to ${escapeMrkdwn(groupName(event.to.groupId))} by ${by}${commentText ? `\n>${escapeMrkdwn(clip(commentText, 2500)).replace(/\n/g, '\n>')}` : ''}`,
  merged_into: (event, { by }) => `:twisted_rightwards_arrows: Being merged into #${event.to.number} by ${by}`,
  merged_from: (event) => `:twisted_rightwards_arrows: #${event.from.number} was merged into this ticket`,
  problem_marked: (_, { by }) => `:jigsaw: Marked as a problem by ${by}`,
  incident_linked: (event, { by }) => `:jigsaw: Linked as an incident of #${event.to.problemOf} by ${by}`,
  auto_closed: (event) =>
    `:lock: Closed: no reply from the requester${event.note ? ` (${escapeMrkdwn(event.note)})` : ''}`,
  follow_up_created: (event) =>
    `:leftwards_arrow_with_hook: The requester wrote after it closed: follow-up #${event.to.number}`,
  priority_changed: (event, { by }) => `Priority ${event.from.priority} → ${event.to.priority} by ${by}`,
  assignee_reminded: (event, { by }) =>
    `:alarm_clock: ${by} reminded <@${event.to.assignee}>: it has waited on them for ${duration(event.to.waitedMs)}`,
  lead_reminded: (event, { by }) =>
    `:rotating_light: ${by} told ${event.to.leads.map((lead) => `<@${lead}>`).join(', ')} that it still waits on <@${event.to.assignee}>`,
  requester_reminded: (_, { by }) =>
    `:hourglass_flowing_sand: ${by} asked the requester for their answer before it closes`,
  handed_back: (event, { by }) =>
    `:leftwards_arrow_with_hook: ${by} handed it back ${event.to.assignee ? `to <@${event.to.assignee}>` : 'to the queue'}: <@${event.from.assignee}> did not act on it within ${duration(event.to.afterMs)}`,
};
