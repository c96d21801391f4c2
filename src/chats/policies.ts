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
      events: {
        async status_changed({ ticket, event }) {
          if (ticket.channel !== 'chat' || event.to.status !== 'solved' || ticket.status !== 'solved') return;
          await endChatOfSolvedTicket(desk, ticket.number, event.actor.id, {
            surveyFollows: event.to.endsChat === true,
          });
        },
      },
    },
  ];
}
