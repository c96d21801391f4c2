import type { DeskSignal, Subscriber, TicketNotice } from '../../events/types.js';
import type { TicketAction } from '../../tickets/types.js';
import { faultMessage } from '../../log.js';
import { publishHome } from '../home.js';
import { fields, text, type NotifierContext } from './context.js';

/**
 * An agent's App Home follows the events that change what it shows: their tickets (taken, replied,
 * escalated away, transferred), their week's figures (a survey answer), their team's availability.
 * Only homes an event touched are published, and a burst is coalesced: while a person's home is being
 * published, further changes ask for one more publish, not one each. Homes of people an event did
 * not touch (a new ticket in a group's queue) are brought up to date when they open the tab.
 */
/** What changes an agent's lists, counts or week on their home. */
const HOME_CHANGING_ACTIONS: readonly TicketAction[] = [
  'taken',
  'assigned',
  'released',
  'replied',
  'noted',
  'status_changed',
  'escalated',
  'reopened',
  'requester_replied',
  'auto_closed',
  'merged_into',
  'chat_accepted',
  'transfer_requested',
  'transfer_accepted',
  'transfer_declined',
  'transfer_expired',
  'transfer_cancelled',
  'satisfaction_rated',
];

export function homeNotifier(context: NotifierContext): Subscriber {
  const { desk, send, log } = context;
  const publishing = new Map<string, Promise<void>>();
  const again = new Set<string>();

  function refresh(user: string): Promise<void> {
    const running = publishing.get(user);
    if (running) {
      again.add(user);
      return running;
    }
    const run = (async () => {
      do {
        again.delete(user);
        try {
          await publishHome(send.client, desk, user);
        } catch (error) {
          log(`slack: home publish for ${user} failed: ${faultMessage(error)}`, error);
        }
      } while (again.has(user));
    })().finally(() => publishing.delete(user));
    publishing.set(user, run);
    return run;
  }

  function touchedBy({ ticket, event }: TicketNotice): string[] {
    const from = fields(event.from);
    const to = fields(event.to);
    const people = [
      event.actor.kind === 'agent' ? event.actor.id : undefined,
      text(from.assignee),
      text(to.assignee),
      ticket.assignee ?? undefined,
      // Transfers: who asked, and who is asked to answer.
      text(from.agent),
      ...(Array.isArray(to.asked) ? to.asked.filter((person): person is string => typeof person === 'string') : []),
      // A survey answer counts in the week of the agent who solved it.
      event.action === 'satisfaction_rated' ? text(to.agent) : undefined,
    ];
    return [...new Set(people.filter((person): person is string => person !== undefined && desk.directory.agent(person) !== undefined))];
  }

  function availabilityWatchers(signal: Extract<DeskSignal, { type: 'availability_changed' }>): string[] {
    const agent = desk.directory.agent(signal.agent);
    if (!agent) return [];
    const leads = desk.directory.workspace.agents.filter(
      (other) => other.user !== agent.user && (other.role === 'lead' || other.role === 'admin') && other.groups.some((id) => agent.groups.includes(id)),
    );
    return [agent.user, ...leads.map((lead) => lead.user)];
  }

  return {
    name: 'homes',
    actions: HOME_CHANGING_ACTIONS,
    async ticket(notice) {
      // A chat's messages are relayed as they come: they change no list on anyone's home.
      if (notice.ticket.channel === 'chat' && (notice.event.action === 'replied' || notice.event.action === 'noted')) return;
      await Promise.all(touchedBy(notice).map(refresh));
    },
    signals: ['availability_changed'],
    async signal(signal) {
      if (signal.type === 'availability_changed') await Promise.all(availabilityWatchers(signal).map(refresh));
    },
  };
}
