import type { App, BlockAction, ButtonAction, PlainTextInputAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { homeView, ticketModal } from '../../blocks/home.js';
import { actionIds } from '../../blocks/ids.js';
import { ticketCard } from '../../blocks/ticket-card.js';
import type { Desk } from '../tickets/desk.js';
import { homeFor } from '../tickets/home.js';
import { parseTicketNumber } from '../tickets/permissions.js';
import { ticketDetails } from '../tickets/views.js';
import type { SlackDeps } from './context.js';
import { safely, type Log } from './notify.js';
import { tellUser } from './shortcuts.js';

const printLog: Log = (line) => console.error(line);

/**
 * Publishes the person's App Home as it is now. Called when they open the tab and after anything of
 * theirs changes (a take, a survey answer, their availability); a failed publish is logged, never thrown.
 */
export async function refreshHome(client: WebClient, desk: Desk, userId: string, options: { search?: string; log?: Log } = {}): Promise<void> {
  await safely(options.log ?? printLog, 'home publish', async () => {
    const data = await homeFor(desk, userId, options.search === undefined ? {} : { search: options.search });
    await client.views.publish({ user_id: userId, view: homeView(data, desk.clock()) });
  });
}

export function registerHome(app: App, deps: SlackDeps): void {
  const { desk, log } = deps;

  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await refreshHome(client, desk, event.user, { log });
  });

  app.action<BlockAction<PlainTextInputAction>>(actionIds.homeSearch, async ({ ack, body, action, client }) => {
    await ack();
    await refreshHome(client, desk, body.user.id, { search: action.value ?? '', log });
  });


  app.action<BlockAction<ButtonAction>>(actionIds.homeOpen, async ({ ack, body, action, client }) => {
    await ack();
    const parsed = parseTicketNumber(action.value);
    const details = parsed.ok ? await ticketDetails(desk, parsed.number, body.user.id) : parsed;
    if (!details.ok) return tellUser(client, deps, body.user.id, details.reason);
    const card = ticketCard(
      { ticket: details.ticket, groupName: desk.directory.groupName(details.ticket.groupId), comments: details.comments, otherTickets: details.otherTickets, now: desk.clock() },
      [],
    );
    await safely(log, 'ticket modal', () => client.views.open({ trigger_id: body.trigger_id, view: ticketModal(details.ticket.number, card) }));
  });
}

