import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { actionIds } from '../../blocks/ids.js';
import { parseTicketNumber } from '../tickets/permissions.js';
import { take } from './commands.js';
import { tellEphemeral, type SlackDeps } from './context.js';
import { cardFor } from './ticket-view.js';

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
    const card = await cardFor(deps, parsed.number, body.user.id);
    if (!card.ok) return tellEphemeral(respond, card.reason);
    await respond({ response_type: 'ephemeral', replace_original: false, text: `#${card.ticket.number} ${card.ticket.subject}`, blocks: card.blocks });
  });
}
