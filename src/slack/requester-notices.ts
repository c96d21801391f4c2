import type { WebClient } from '@slack/web-api';
import { clip, escapeMrkdwn } from '../../blocks/text.js';
import type { RequesterTeller } from '../tickets/auto-close.js';
import type { Desk } from '../tickets/desk.js';
import type { RequesterReplyResult } from '../tickets/requester-reply.js';
import { requesterLabel } from '../tickets/types.js';
import { safely, type Log } from './notify.js';

/**
 * A Slack requester hears from the bot in their DM. An email requester is not written to from here:
 * the note is stored as a public comment, which the outbound webhook (when configured) carries.
 */
export function requesterTeller(client: WebClient, log: Log): RequesterTeller {
  return async (ticket, text) => {
    if (ticket.requester.kind !== 'slack') return;
    const channel = ticket.requester.userId;
    await safely(log, `note to the requester of #${ticket.number}`, () => client.chat.postMessage({ channel, text }));
  };
}

/**
 * The requester wrote again: the agent who has the ticket hears that it is open again (or, for a
 * closed one, that the reply opened a follow-up). For the DM and API adapters to call after
 * `addRequesterReply`; a duplicate delivery or a reply that changed nothing tells nobody.
 */
export async function requesterRepliedNotice(client: WebClient, desk: Desk, log: Log, result: RequesterReplyResult, replyText: string): Promise<void> {
  if (result.duplicate) return;
  const ticket = result.ticket;
  const who = requesterLabel(ticket.requester);
  const said = `“${escapeMrkdwn(clip(replyText.trim(), 300))}”`;
  if (result.reopened && ticket.assignee) {
    const agent = ticket.assignee;
    await safely(log, `reopen notice for #${ticket.number}`, () =>
      client.chat.postMessage({ channel: agent, text: `${who} replied on #${ticket.number}, so it is open again: ${said}` }),
    );
    return;
  }
  if (result.followUpOf !== null) {
    const closed = await desk.store.tickets.get(result.followUpOf);
    if (!closed?.assignee) return;
    const agent = closed.assignee;
    await safely(log, `follow-up notice for #${ticket.number}`, () =>
      client.chat.postMessage({
        channel: agent,
        text: `${who} replied on #${closed.number}, which is closed, so follow-up #${ticket.number} was opened: ${said}`,
      }),
    );
  }
}
