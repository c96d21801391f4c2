import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { actionIds } from '../../blocks/ids.js';
import { ticketCard } from '../../blocks/ticket-card.js';
import { parseTicketNumber } from '../tickets/permissions.js';
import { ticketDetails } from '../tickets/views.js';
import { take } from './commands.js';
import { tellEphemeral, type SlackDeps } from './context.js';

export function registerActions(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(actionIds.take, async ({ ack, body, action, respond, client }) => {
    await ack();
    const parsed = parseTicketNumber(action.value);
    if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
    await take({ deps, userId: body.user.id, respond, client }, parsed.number);
  });

  app.action<BlockAction<ButtonAction>>(actionIds.show, async ({ ack, body, action, respond }) => {
    await ack();
    const parsed = parseTicketNumber(action.value);
    if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
    const details = await ticketDetails(deps.desk, parsed.number, body.user.id);
    if (!details.ok) return tellEphemeral(respond, details.reason);
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: `#${details.ticket.number} ${details.ticket.subject}`,
      blocks: ticketCard(
        { ticket: details.ticket, groupName: deps.desk.directory.groupName(details.ticket.groupId), comments: details.comments, otherTickets: details.otherTickets, now: deps.desk.clock() },
        [],
      ),
    });
  });
}
