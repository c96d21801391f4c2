import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import type { TicketMove } from '../src/tickets/allowed-moves.js';
import type { SlaState } from '../src/tickets/sla.js';
import type { Ticket, TicketComment } from '../src/tickets/types.js';
import type { CardFile } from '../src/tickets/views.js';
import { conversationValue } from './conversation.js';
import { fileBlocks } from './files.js';
import { actionIds } from './ids.js';
import { slaLine } from './sla.js';
import { clip, escapeMrkdwn, mrkdwn, PRIORITY_BADGE, plain, requesterText, STATUS_BADGE, waited } from './text.js';

export interface TicketCardData {
  ticket: Ticket;
  groupName: string;
  comments: readonly TicketComment[];
  otherTickets: readonly Ticket[];
  now: Date;
  /** A problem's incidents (numbers), shown on the problem's card. */
  incidents?: readonly number[];
  /** Replies that have not reached the requester yet: never dropped silently. */
  undelivered?: readonly {
    purpose: string;
    lastError: string | null;
    state: 'held' | 'pending' | 'delivered' | 'failed';
    nextAttemptAt: Date;
  }[];
  /** Agents following the ticket's chat (Slack ids). */
  followers?: readonly string[];
  /** Offer the requester panel (agents only). */
  requesterButton?: boolean;
  /** Time left against the SLA targets, when the ticket's priority has any. */
  sla?: SlaState;
  /** The ticket's files this viewer may see, with links minted for them. */
  files?: readonly CardFile[];
}

export type CardAction = TicketMove;

const UNSOLVED: readonly Ticket['status'][] = ['new', 'open', 'pending'];

/** The card's notification text (the `text` beside its blocks, read as mrkdwn): the subject as words, never a ping. */
export function cardText(ticket: Pick<Ticket, 'number' | 'subject'>): string {
  return `#${ticket.number} ${escapeMrkdwn(clip(ticket.subject, 150))}`;
}

/** The ticket as an agent sees it: facts, the last comments, possible duplicates, and what they may do now. */
export function ticketCard(data: TicketCardData, actions: readonly CardAction[]): KnownBlock[] {
  const { ticket } = data;
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`#${ticket.number} ${ticket.subject}`, 150) },
    {
      type: 'section',
      fields: [
        mrkdwn(
          `*Status*\n${STATUS_BADGE[ticket.status]}${ticket.mergedInto ? ` (merged into #${ticket.mergedInto})` : ''}`,
        ),
        mrkdwn(`*Priority*\n${PRIORITY_BADGE[ticket.priority]}`),
        mrkdwn(`*Group*\n${escapeMrkdwn(data.groupName)}`),
        mrkdwn(`*Assignee*\n${ticket.assignee ? `<@${ticket.assignee}>` : '_unassigned_'}`),
        mrkdwn(`*Requester*\n${requesterText(ticket)}`),
        mrkdwn(`*Waiting*\n${waited(ticket.createdAt, data.now)}`),
      ],
    },
  ];
  const sla = data.sla ? slaLine(data.sla) : null;
  if (sla) blocks.push({ type: 'context', elements: [mrkdwn(sla)] });
  if (ticket.tags && ticket.tags.length > 0) {
    blocks.push({
      type: 'context',
      elements: [mrkdwn(`:label: ${ticket.tags.map((tag) => `\`${escapeMrkdwn(tag)}\``).join(' ')}`)],
    });
  }
  if (ticket.problem) {
    const incidents = data.incidents ?? [];
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          `:jigsaw: *Problem* · ${incidents.length} incident(s)${
            incidents.length
              ? `: ${incidents
                  .slice(0, 30)
                  .map((n) => `#${n}`)
                  .join(', ')}`
              : ''
          }`,
        ),
      ],
    });
  }
  if (data.followers && data.followers.length > 0) {
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          `:eyes: Chat followed by ${data.followers
            .slice(0, 20)
            .map((user) => `<@${user}>`)
            .join(', ')}`,
        ),
      ],
    });
  }
  if (ticket.problemOf)
    blocks.push({ type: 'context', elements: [mrkdwn(`:jigsaw: Incident of problem *#${ticket.problemOf}*`)] });
  for (const delivery of (data.undelivered ?? []).slice(0, 3)) {
    const when =
      delivery.state === 'failed'
        ? 'gave up; reach the requester another way'
        : `retrying in ${waited(data.now, delivery.nextAttemptAt)}`;
    const what =
      delivery.purpose === 'reply'
        ? 'A reply did not reach the requester'
        : `The ${escapeMrkdwn(delivery.purpose)} did not go out`;
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(`:warning: ${what} (${escapeMrkdwn(clip(delivery.lastError ?? 'unknown error', 200))}) — ${when}`),
      ],
    });
  }
  const form = ticket.form;
  if (form.rootCause || form.category || form.subcategory) {
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          `Root cause: *${escapeMrkdwn(form.rootCause ?? '—')}* · Category: *${escapeMrkdwn(form.category ?? '—')}* › *${escapeMrkdwn(form.subcategory ?? '—')}*`,
        ),
      ],
    });
  }
  if (ticket.source.permalink)
    blocks.push({ type: 'context', elements: [mrkdwn(`Filed from <${ticket.source.permalink}|this message>`)] });
  if (ticket.description) {
    // What the card cannot show whole can be read in full: a button opens it.
    blocks.push({
      type: 'section',
      text: mrkdwn(escapeMrkdwn(clip(ticket.description, CARD_TEXT_MAX))),
      ...(ticket.description.length > CARD_TEXT_MAX
        ? { accessory: fullTextButton(`description:${ticket.number}`) }
        : {}),
    });
  }
  const files = data.files ?? [];
  const shownComments = new Set(data.comments.map((comment) => comment.id));
  blocks.push(
    ...fileBlocks(
      files.filter((file) => !shownComments.has(file.commentId)),
      data.now,
      `*Files* (${files.length})`,
    ),
  );
  for (const comment of data.comments) {
    const label =
      comment.kind === 'public'
        ? comment.author.kind === 'agent'
          ? ':speech_balloon: Public reply'
          : ':speech_balloon: Requester'
        : ':lock: Internal note';
    const text = `${label} · ${authorText(comment)} · ${waited(comment.createdAt, data.now)} ago\n${escapeMrkdwn(clip(comment.text, CARD_TEXT_MAX))}`;
    blocks.push(
      comment.text.length > CARD_TEXT_MAX
        ? { type: 'section', text: mrkdwn(text), accessory: fullTextButton(`comment:${comment.id}`) }
        : { type: 'context', elements: [mrkdwn(text)] },
    );
    blocks.push(
      ...fileBlocks(
        files.filter((file) => file.commentId === comment.id),
        data.now,
      ),
    );
  }
  const duplicates = data.otherTickets.filter((other) => UNSOLVED.includes(other.status) && other.mergedInto === null);
  if (data.otherTickets.length > 0) {
    const lines = data.otherTickets.slice(0, 8).map((other) => {
      const flag = duplicates.includes(other) ? ':warning: ' : '';
      return `${flag}#${other.number} · ${STATUS_BADGE[other.status]} · ${escapeMrkdwn(clip(other.subject, 80))}`;
    });
    const heading =
      duplicates.length > 0
        ? `*Possible duplicates: ${duplicates.length} other unsolved ticket(s) from this requester*`
        : '*Requester’s other tickets*';
    blocks.push({ type: 'section', text: mrkdwn(`${heading}\n${lines.join('\n')}`) });
    // Each opens that ticket's own card, to compare and merge from there.
    blocks.push({
      type: 'actions',
      block_id: `ticket_others_${ticket.number}`,
      elements: data.otherTickets.slice(0, 5).map((other) => ({
        type: 'button',
        action_id: `${actionIds.show}_${other.number}`,
        text: plain(`Open #${other.number}`),
        value: String(other.number),
      })),
    });
  }
  const buttons = actions.map((action) => cardButton(action, ticket.number));
  if (data.requesterButton)
    buttons.push({
      type: 'button',
      action_id: actionIds.requesterProfile,
      text: plain('Requester'),
      value: String(ticket.number),
    });
  // The whole ticket, every comment in full: the card shows only the last few.
  buttons.push({
    type: 'button',
    action_id: actionIds.conversation,
    text: plain('Conversation'),
    value: conversationValue(ticket.number, 0, 0),
  });
  if (data.requesterButton)
    buttons.push({ type: 'button', action_id: actionIds.history, text: plain('History'), value: `${ticket.number}:0` });
  if (buttons.length > 0)
    blocks.push({
      type: 'actions',
      block_id: `ticket_actions_${ticket.number}`,
      elements: buttons,
    } satisfies ActionsBlock);
  return blocks;
}

/** How much of a description or comment the card shows; the rest is one click away. */
export const CARD_TEXT_MAX = 1500;

function fullTextButton(value: string): Button {
  return { type: 'button', action_id: actionIds.fullText, text: plain('Full text'), value };
}

function authorText(comment: TicketComment): string {
  return comment.author.kind === 'agent' || (comment.author.kind === 'requester' && /^[UW]/.test(comment.author.id))
    ? `<@${comment.author.id}>`
    : escapeMrkdwn(comment.author.name ?? comment.author.id);
}

const BUTTON_LABEL: Record<CardAction, string> = {
  take: 'Take it',
  reply: 'Reply',
  note: 'Internal note',
  macro: 'Apply macro',
  solve: 'Solve',
  merge: 'Merge',
  escalate: 'Escalate',
  problem: 'Mark as problem',
  link: 'Link to problem',
  assign: 'Assign',
  handoff: 'Hand over',
  release: 'Release',
  edit: 'Edit',
};

function cardButton(action: CardAction, number: number): Button {
  const button: Button = {
    type: 'button',
    action_id: actionIds[action],
    text: plain(BUTTON_LABEL[action]),
    value: String(number),
  };
  if (action === 'take') button.style = 'primary';
  return button;
}

export function ticketSummaryText(ticket: Ticket): string {
  return `#${ticket.number} ${ticket.subject}`;
}
