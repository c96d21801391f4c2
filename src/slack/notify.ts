import type { WebClient } from '@slack/web-api';
import type { KnownBlock } from '@slack/types';
import { ticketCard } from '../../blocks/ticket-card.js';
import { mrkdwn, plain, escapeMrkdwn, clip } from '../../blocks/text.js';
import { actionIds } from '../../blocks/ids.js';
import type { Desk } from '../tickets/desk.js';
import { movesFor } from '../tickets/moves.js';
import type { Ticket } from '../tickets/types.js';
import type { TakeResult } from '../tickets/take.js';
import type { RequesterReplyResult } from '../tickets/requester-reply.js';
import type { Delivery } from '../store/deliveries.js';
import { attemptDelivery, type DeliverySenders } from '../tickets/deliveries.js';
import type { SlackDeps } from './context.js';

/**
 * What people are told in Slack after a workflow step. Each function sends, and a failed send is
 * logged, never thrown: the ticket change it reports has already happened and must not look failed.
 */
export type Log = (line: string, error?: unknown) => void;

export async function safely(log: Log, what: string, send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
  } catch (error) {
    log(`slack: ${what} failed: ${(error as { data?: { error?: string } }).data?.error ?? (error as Error).message}`, error);
  }
}

export function alertBlocks(ticket: Ticket, groupName: string, takenBy: string | null): KnownBlock[] {
  const requester = ticket.requester.kind === 'slack' ? `<@${ticket.requester.userId}>` : escapeMrkdwn(ticket.requester.name);
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(`*New ticket #${ticket.number}* in ${escapeMrkdwn(groupName)} · ${ticket.priority}\n*${escapeMrkdwn(clip(ticket.subject, 150))}*\nfrom ${requester}`),
    },
  ];
  if (takenBy) {
    blocks.push({ type: 'context', elements: [mrkdwn(`Taken by <@${takenBy}>`)] });
  } else {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', action_id: actionIds.take, text: plain('Take it'), value: String(ticket.number), style: 'primary' }],
    });
  }
  return blocks;
}

/** A new ticket: the group's alert channel hears of it, the filer and the requester get a receipt. */
export async function ticketCreated(client: WebClient, desk: Desk, log: Log, ticket: Ticket, filedBy: string | null): Promise<void> {
  const group = desk.directory.group(ticket.groupId);
  if (group) {
    await safely(log, 'new-ticket alert', async () => {
      const posted = await client.chat.postMessage({
        channel: group.alertChannel,
        text: `New ticket #${ticket.number}: ${ticket.subject}`,
        blocks: alertBlocks(ticket, group.name, null),
      });
      if (posted.channel && posted.ts) await desk.store.tickets.rememberAlert(ticket.number, { channel: posted.channel, ts: posted.ts });
    });
  }
  if (filedBy) {
    await safely(log, 'filer receipt', () =>
      client.chat.postMessage({ channel: filedBy, text: `Created #${ticket.number}: ${ticket.subject}` }),
    );
  }
  if (ticket.requester.kind === 'slack' && ticket.requester.userId !== filedBy) {
    const requesterId = ticket.requester.userId;
    await safely(log, 'requester receipt', () =>
      client.chat.postMessage({
        channel: requesterId,
        text: `We received your request #${ticket.number}: “${clip(ticket.subject, 150)}”. The support team will answer you here.`,
      }),
    );
  }
}

/** After a take: the alert stops offering Take it, and the requester learns who has their request. */
export async function ticketTaken(client: WebClient, desk: Desk, log: Log, result: TakeResult): Promise<void> {
  if (result.alreadyYours) return;
  const ticket = result.ticket;
  const alert = await desk.store.tickets.alertOf(ticket.number);
  if (alert) {
    await safely(log, 'alert update', () =>
      client.chat.update({
        channel: alert.channel,
        ts: alert.ts,
        text: `#${ticket.number} taken by <@${ticket.assignee}>`,
        blocks: alertBlocks(ticket, desk.directory.groupName(ticket.groupId), ticket.assignee),
      }),
    );
  }
  if (ticket.requester.kind === 'slack') {
    const requesterId = ticket.requester.userId;
    await safely(log, 'requester taken notice', () =>
      client.chat.postMessage({
        channel: requesterId,
        text: `<@${ticket.assignee}> is now working on your request #${ticket.number}.`,
      }),
    );
  }
}

export function takenCard(desk: Desk, result: TakeResult): KnownBlock[] {
  const headline = result.alreadyYours ? `#${result.ticket.number} is already yours.` : `You took #${result.ticket.number}.`;
  const warning =
    result.possibleDuplicates.length > 0
      ? ` :warning: This requester has ${result.possibleDuplicates.length} other unsolved ticket(s): ${result.possibleDuplicates
          .slice(0, 5)
          .map((other) => `#${other.number}`)
          .join(', ')} — check for duplicates.`
      : '';
  return [
    { type: 'section', text: mrkdwn(`${headline}${warning}`) },
    ...ticketCard(
      { ticket: result.ticket, groupName: desk.directory.groupName(result.ticket.groupId), comments: [], otherTickets: result.possibleDuplicates, now: desk.clock() },
      result.ticket.assignee ? movesFor(desk, result.ticket, result.ticket.assignee) : [],
    ),
  ];
}

/**
 * The requester wrote again from outside Slack (the API): a follow-up is announced like a new ticket;
 * otherwise the assignee hears of it, with whether it reopened the ticket.
 */
export async function requesterWroteAgain(client: WebClient, desk: Desk, log: Log, result: RequesterReplyResult): Promise<void> {
  const ticket = result.ticket;
  if (result.followUpOf !== null) return ticketCreated(client, desk, log, ticket, null);
  if (!ticket.assignee) return;
  const assignee = ticket.assignee;
  const who = ticket.requester.kind === 'slack' ? `<@${ticket.requester.userId}>` : escapeMrkdwn(ticket.requester.name);
  const what = result.reopened ? `wrote again on #${ticket.number}, so it is open again (it was ${result.previousStatus})` : `wrote again on #${ticket.number}`;
  await safely(log, 'requester reply notice', () =>
    client.chat.postMessage({ channel: assignee, text: `${who} ${what}: “${escapeMrkdwn(clip(ticket.subject, 150))}”. \`/ticket show ${ticket.number}\`` }),
  );
}

/** Sends what a workflow step queued for requesters: Slack DMs with this client, email by the webhook. */
export function deliverySenders(client: WebClient): DeliverySenders {
  return {
    async slackDm(userId, text) {
      await client.chat.postMessage({ channel: userId, text });
    },
  };
}

export async function deliverNow(deps: SlackDeps, client: WebClient, deliveries: readonly Delivery[]): Promise<void> {
  const senders = deliverySenders(client);
  for (const delivery of deliveries) {
    await safely(deps.log, `delivery ${delivery.id}`, () => attemptDelivery(deps.desk, delivery.id, senders));
  }
}
