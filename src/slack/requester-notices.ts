import type { WebClient } from '@slack/web-api';
import type { RequesterTeller } from '../tickets/auto-close.js';
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
