import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import type { Ticket, TicketComment } from '../src/tickets/types.js';
import { actionIds } from './ids.js';
import { PRIORITY_BADGE, STATUS_BADGE, clip, escapeMrkdwn, mrkdwn, plain, requesterText, waited } from './text.js';

export interface TicketCardData {
  ticket: Ticket;
  groupName: string;
  comments: readonly TicketComment[];
  otherTickets: readonly Ticket[];
  now: Date;
}

export type CardAction = 'take';

const UNSOLVED: readonly Ticket['status'][] = ['new', 'open', 'pending'];

/** The ticket as an agent sees it: facts, the last comments, possible duplicates, and what they may do now. */
export function ticketCard(data: TicketCardData, actions: readonly CardAction[]): KnownBlock[] {
  const { ticket } = data;
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`#${ticket.number} ${ticket.subject}`, 150) },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Status*\n${STATUS_BADGE[ticket.status]}${ticket.mergedInto ? ` (merged into #${ticket.mergedInto})` : ''}`),
        mrkdwn(`*Priority*\n${PRIORITY_BADGE[ticket.priority]}`),
        mrkdwn(`*Group*\n${escapeMrkdwn(data.groupName)}`),
        mrkdwn(`*Assignee*\n${ticket.assignee ? `<@${ticket.assignee}>` : '_unassigned_'}`),
        mrkdwn(`*Requester*\n${requesterText(ticket)}`),
        mrkdwn(`*Waiting*\n${waited(ticket.createdAt, data.now)}`),
      ],
    },
  ];
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
  if (ticket.description) {
    blocks.push({ type: 'section', text: mrkdwn(escapeMrkdwn(clip(ticket.description, 1500))) });
  }
  for (const comment of data.comments) {
    const label = comment.kind === 'public' ? ':speech_balloon: Reply' : ':lock: Internal note';
    blocks.push({
      type: 'context',
      elements: [mrkdwn(`${label} · ${authorText(comment)} · ${waited(comment.createdAt, data.now)} ago\n${escapeMrkdwn(clip(comment.text, 1500))}`)],
    });
  }
  const duplicates = data.otherTickets.filter((other) => UNSOLVED.includes(other.status) && other.mergedInto === null);
  if (data.otherTickets.length > 0) {
    const lines = data.otherTickets.slice(0, 8).map((other) => {
      const flag = duplicates.includes(other) ? ':warning: ' : '';
      return `${flag}#${other.number} · ${STATUS_BADGE[other.status]} · ${escapeMrkdwn(clip(other.subject, 80))}`;
    });
    const heading = duplicates.length > 0 ? `*Possible duplicates: ${duplicates.length} other unsolved ticket(s) from this requester*` : '*Requester’s other tickets*';
    blocks.push({ type: 'section', text: mrkdwn(`${heading}\n${lines.join('\n')}`) });
  }
  const buttons = actions.map((action) => cardButton(action, ticket.number));
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: `ticket_actions_${ticket.number}`, elements: buttons } satisfies ActionsBlock);
  return blocks;
}

function authorText(comment: TicketComment): string {
  return comment.author.kind === 'agent' || (comment.author.kind === 'requester' && /^[UW]/.test(comment.author.id))
    ? `<@${comment.author.id}>`
    : escapeMrkdwn(comment.author.name ?? comment.author.id);
}

function cardButton(action: CardAction, number: number): Button {
  switch (action) {
    case 'take':
      return { type: 'button', action_id: actionIds.take, text: plain('Take it'), value: String(number), style: 'primary' };
  }
}

export function ticketSummaryText(ticket: Ticket): string {
  return `#${ticket.number} ${ticket.subject}`;
}
