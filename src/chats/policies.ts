import type { Subscriber } from '../events/types.js';
import type { Desk } from '../tickets/desk.js';
import { endChatOfSolvedTicket } from './chat.js';

/**
 * What the desk itself does when something happens — rules, not notifications, subscribed to the
 * same events as the notifiers: a chat whose ticket is solved (from the reply form, a problem's solve,
 * End and solve) ends with it.
 */
export function chatPolicies(desk: Desk): Subscriber[] {
  return [
    {
      name: 'a solved chat ends',
      actions: ['status_changed'],
      async ticket({ ticket, event }) {
        const to = (event.to ?? {}) as { status?: unknown; endsChat?: unknown };
        if (ticket.channel !== 'chat' || to.status !== 'solved' || ticket.status !== 'solved') return;
        await endChatOfSolvedTicket(desk, ticket.number, event.actor.id, { surveyFollows: to.endsChat === true });
      },
    },
  ];
}
