import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { AssignModalMetadata, ViewMetadata } from '../src/slack/view-metadata.js';
import type { BulkMove, Handoff } from '../src/tickets/assignment-types.js';
import type { BulkMovePlan } from '../src/tickets/bulk-move.js';
import type { Ticket } from '../src/tickets/types.js';
import { actionIds, assignFields, callbackIds } from './ids.js';
import { clip, escapeMrkdwn, mrkdwn, PRIORITY_BADGE, plain, requesterText, STATUS_BADGE } from './text.js';

/** Assigning, handing over and bulk hand-overs: the forms, the offer a colleague answers, and what people are told. */

export interface AssignModalData {
  ticket: Ticket;
  /** Agents of the ticket's group who could get it (not its current agent). */
  agents: readonly { user: string; name: string }[];
  /** A lead assigns; the agent who has it asks a colleague. */
  mode: 'assign' | 'handoff';
}

export type { AssignModalMetadata };

function ticketLine(ticket: Ticket): string {
  return `*#${ticket.number}* ${escapeMrkdwn(clip(ticket.subject, 150))}\n${STATUS_BADGE[ticket.status]} · ${PRIORITY_BADGE[ticket.priority]} · ${requesterText(ticket)}${ticket.assignee ? ` · with <@${ticket.assignee}>` : ' · unassigned'}`;
}

export function assignModal(data: AssignModalData): ModalView {
  const { ticket } = data;
  const options: PlainTextOption[] = data.agents
    .slice(0, 100)
    .map((agent) => ({ text: plain(agent.name, 75), value: agent.user }));
  const metadata: AssignModalMetadata = { number: ticket.number, seenAssignee: ticket.assignee };
  const handoff = data.mode === 'handoff';
  return {
    type: 'modal',
    callback_id: callbackIds.assign,
    title: plain(handoff ? `Hand over #${ticket.number}` : `Assign #${ticket.number}`, 24),
    submit: plain(handoff ? 'Ask them' : 'Assign', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify(metadata),
    blocks: [
      { type: 'section', text: mrkdwn(ticketLine(ticket)) },
      {
        type: 'input',
        block_id: assignFields.agent,
        label: plain(handoff ? 'Ask a colleague to take it' : 'Give it to'),
        ...(handoff ? { hint: plain('It stays yours until they accept.') } : {}),
        element: {
          type: 'static_select',
          action_id: assignFields.agent,
          placeholder: plain('An agent of the group'),
          options,
        },
      },
    ],
  };
}

/** The colleague's DM: the ticket, and Accept/Decline until it is answered; then what happened. */
export function handoffOffer(handoff: Handoff, ticket: Ticket, outcome?: string): KnownBlock[] {
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(`:handshake: <@${handoff.from}> asks you to take over *#${ticket.number}*\n${ticketLine(ticket)}`),
    },
  ];
  if (ticket.description)
    blocks.push({
      type: 'context',
      elements: [mrkdwn(escapeMrkdwn(clip(ticket.description.replace(/\s+/g, ' '), 300)))],
    });
  if (outcome) {
    blocks.push({ type: 'context', elements: [mrkdwn(outcome)] });
    return blocks;
  }
  blocks.push({
    type: 'actions',
    block_id: `handoff_${handoff.id}`,
    elements: [
      {
        type: 'button',
        action_id: actionIds.acceptHandoff,
        text: plain('Accept'),
        style: 'primary',
        value: handoff.id,
      },
      { type: 'button', action_id: actionIds.declineHandoff, text: plain('Decline'), value: handoff.id },
    ],
  });
  return blocks;
}

export function handoffOfferText(handoff: Handoff): string {
  return `<@${handoff.from}> asks you to take over #${handoff.ticketNumber}`;
}

/** What the asking agent reads: asked, it stays theirs, and a way to take it back. */
export function handoffAsked(handoff: Handoff, expiresInMinutes: number): { text: string; blocks: KnownBlock[] } {
  const text = `Asked <@${handoff.to}> to take over #${handoff.ticketNumber}. It stays yours until they accept (the request expires in ${expiresInMinutes} min).`;
  return {
    text,
    blocks: [
      { type: 'section', text: mrkdwn(text) },
      {
        type: 'actions',
        elements: [
          { type: 'button', action_id: actionIds.cancelHandoff, text: plain('Cancel the request'), value: handoff.id },
        ],
      },
    ],
  };
}

/** To the agent a ticket was given by someone else: what, by whom, and the card to work it from. */
export function assignedToYou(
  ticket: Ticket,
  by: string,
  card: readonly KnownBlock[],
): { text: string; blocks: KnownBlock[] } {
  const text = `<@${by}> gave you #${ticket.number}: ${escapeMrkdwn(clip(ticket.subject, 150))}`;
  return { text, blocks: [{ type: 'section', text: mrkdwn(`:inbox_tray: ${text}`) }, ...card.slice(0, 48)] };
}

/** To the agent a ticket was taken from by a lead. */
export function movedAwayFromYou(ticket: Ticket, by: string, to: string | null): string {
  return `<@${by}> ${to ? `reassigned #${ticket.number} to <@${to}>` : `released #${ticket.number} to the queue`}: ${escapeMrkdwn(clip(ticket.subject, 150))}`;
}

/** The workflow's plan (its counts), with the names of the groups its tickets are in. */
export type BulkMoveConfirmation = Omit<BulkMovePlan, 'ok'> & { groupNames: ReadonlyMap<number, string> };

/** The count, and where they go, before anything moves. */
export function bulkMoveModal(plan: BulkMoveConfirmation): ModalView {
  const { move } = plan;
  const count = move.items.length;
  const where = move.to ? `to <@${move.to}>` : 'back to the queue';
  const lines = [`Hand *${count}* of <@${move.from}>'s tickets (${plan.open} open, ${plan.pending} pending) ${where}.`];
  if (move.to && plan.toQueue > 0)
    lines.push(`${plan.toQueue} of them go to the queue instead: <@${move.to}> is not an agent of their group.`);
  if (plan.notYours > 0) lines.push(`${plan.notYours} in groups you do not lead stay with <@${move.from}>.`);
  if (plan.liveChats > 0)
    lines.push(
      `${plan.liveChats} live chat(s) stay with <@${move.from}>: a chat moves by a transfer (\`/ticket transfer N @agent\`), which the other agent accepts.`,
    );
  if (plan.more) lines.push(`<@${move.from}> has more than ${count}: run it again afterwards for the rest.`);
  lines.push('Pending tickets stay pending. A ticket someone takes or solves meanwhile is left alone.');
  const sample = move.items
    .slice(0, 15)
    .map((item) => `#${item.number}${move.to && item.to === null ? ' (to the queue)' : ''}`)
    .join(', ');
  return {
    type: 'modal',
    callback_id: callbackIds.bulkMove,
    title: plain('Hand over tickets', 24),
    submit: plain(`Hand over ${count}`, 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({ moveId: move.id } satisfies ViewMetadata<'bulkMove'>),
    blocks: [
      { type: 'section', text: mrkdwn(lines.join('\n')) },
      { type: 'context', elements: [mrkdwn(`${sample}${count > 15 ? `, and ${count - 15} more` : ''}`)] },
    ],
  };
}

export function bulkMoveDone(move: BulkMove): string {
  const where = move.to ? `<@${move.to}>` : 'the queue';
  return `Handed ${move.moved} of <@${move.from}>'s tickets to ${where}${move.skipped > 0 ? ` (${move.skipped} had changed meanwhile and were left alone)` : ''}.`;
}

/** One summary for the agent who got a pile, instead of a DM per ticket. */
export function bulkMoveReceived(move: BulkMove, numbers: readonly number[]): string {
  const list = numbers
    .slice(0, 40)
    .map((n) => `#${n}`)
    .join(', ');
  return `<@${move.by}> handed you ${numbers.length} of <@${move.from}>'s tickets: ${list}${numbers.length > 40 ? ', …' : ''}. \`/ticket mine\` lists them.`;
}
