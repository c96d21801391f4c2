import type { KnownBlock } from '@slack/types';
import type { Ticket } from '../src/tickets/types.js';
import { actionIds } from './ids.js';
import { clip, escapeMrkdwn, mrkdwn, PRIORITY_BADGE, plain, requesterText, STATUS_BADGE, waited } from './text.js';

export interface QueueData {
  title: string;
  tickets: readonly Ticket[];
  total: number;
  groupNames: ReadonlyMap<number, string>;
  now: Date;
}

/** A view in queue order (urgent and high first, then oldest), each ticket with its wait and a Take it button. */
export function queueMessage(data: QueueData): KnownBlock[] {
  if (data.tickets.length === 0) {
    return [{ type: 'section', text: mrkdwn(`*${escapeMrkdwn(data.title)}*\nNothing is waiting. :tada:`) }];
  }
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(`*${escapeMrkdwn(data.title)}* — ${data.total} waiting, urgent and high first, then oldest`),
    },
  ];
  for (const ticket of data.tickets) {
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*#${ticket.number}* ${escapeMrkdwn(clip(ticket.subject, 120))}\n` +
          `${STATUS_BADGE[ticket.status]} · ${PRIORITY_BADGE[ticket.priority]} · ${escapeMrkdwn(data.groupNames.get(ticket.groupId) ?? '')} · ${requesterText(ticket)} · waiting ${waited(ticket.createdAt, data.now)}`,
      ),
      accessory: { type: 'button', action_id: actionIds.take, text: plain('Take it'), value: String(ticket.number) },
    });
  }
  if (data.total > data.tickets.length) {
    blocks.push({
      type: 'context',
      elements: [mrkdwn(`…and ${data.total - data.tickets.length} more. \`/ticket next\` takes the first.`)],
    });
  }
  return blocks;
}

/** `/ticket mine`: the agent's working tickets. */
export function workingList(tickets: readonly Ticket[], now: Date): KnownBlock[] {
  if (tickets.length === 0)
    return [
      {
        type: 'section',
        text: mrkdwn('You have no open or pending tickets. `/ticket next` takes the oldest waiting one.'),
      },
    ];
  return [
    { type: 'section', text: mrkdwn(`*Your tickets* — ${tickets.length} open or pending`) },
    ...tickets.slice(0, 45).map(
      (ticket): KnownBlock => ({
        type: 'section',
        text: mrkdwn(
          `*#${ticket.number}* ${escapeMrkdwn(clip(ticket.subject, 120))}\n${STATUS_BADGE[ticket.status]} · ${PRIORITY_BADGE[ticket.priority]} · ${requesterText(ticket)} · updated ${waited(ticket.updatedAt, now)} ago`,
        ),
        accessory: { type: 'button', action_id: actionIds.show, text: plain('Open'), value: String(ticket.number) },
      }),
    ),
  ];
}
