import type { SignalOf, Subscriber, TicketHandlers, TicketNotice } from '../../events/types.js';
import { faultMessage } from '../../log.js';
import { publishHome } from '../home.js';
import type { NotifierContext } from './context.js';

/**
 * An agent's App Home follows the events that change what it shows: their tickets (taken, replied,
 * escalated away, transferred), their week's figures (a survey answer), their team's availability.
 * Only homes an event touched are published, and a burst is coalesced: while a person's home is being
 * published, further changes ask for one more publish, not one each. Homes of people an event did
 * not touch (a new ticket in a group's queue) are brought up to date when they open the tab.
 */
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

  /** The homes an event touched: its agent's, the ticket's assignee's, and those the event names. */
  async function touchedBy(
    { ticket, event }: TicketNotice,
    named: readonly (string | null | undefined)[],
  ): Promise<void> {
    const people = [event.actor.kind === 'agent' ? event.actor.id : undefined, ticket.assignee, ...named];
    const agents = new Set(
      people.filter(
        (person): person is string => typeof person === 'string' && desk.directory.agent(person) !== undefined,
      ),
    );
    await Promise.all([...agents].map(refresh));
  }

  /** A chat's internal notes change no list on anyone's home. */
  async function unlessChatMessage(notice: TicketNotice): Promise<void> {
    if (notice.ticket.channel !== 'chat') await touchedBy(notice, []);
  }

  function availabilityWatchers(signal: SignalOf<'availability_changed'>): string[] {
    const agent = desk.directory.agent(signal.agent);
    if (!agent) return [];
    const leads = desk.directory.workspace.agents.filter(
      (other) =>
        other.user !== agent.user &&
        (other.role === 'lead' || other.role === 'admin') &&
        other.groups.some((id) => agent.groups.includes(id)),
    );
    return [agent.user, ...leads.map((lead) => lead.user)];
  }

  // What changes an agent's lists, counts or week on their home, and whom each event names besides.
  const events: TicketHandlers = {
    taken: (notice) => touchedBy(notice, [notice.event.to.assignee]),
    assigned: (notice) => touchedBy(notice, [notice.event.from.assignee, notice.event.to.assignee]),
    released: (notice) => touchedBy(notice, [notice.event.from.assignee]),
    handed_back: (notice) => touchedBy(notice, [notice.event.from.assignee, notice.event.to.assignee]),
    // A chat message turns whose turn it is on the agent's list of live chats; a burst is one publish.
    replied: (notice) => touchedBy(notice, []),
    noted: unlessChatMessage,
    status_changed: (notice) => touchedBy(notice, []),
    escalated: (notice) => touchedBy(notice, [notice.event.from.assignee]),
    reopened: (notice) => touchedBy(notice, []),
    requester_replied: (notice) => touchedBy(notice, []),
    auto_closed: (notice) => touchedBy(notice, []),
    merged_into: (notice) => touchedBy(notice, []),
    chat_ended: (notice) => touchedBy(notice, []),
    chat_requeued: (notice) => touchedBy(notice, [notice.event.from.assignee]),
    chat_accepted: (notice) => touchedBy(notice, [notice.event.from.assignee, notice.event.to.assignee]),
    // Transfers: who asked, and who is asked to answer.
    transfer_requested: (notice) => touchedBy(notice, [notice.event.from.agent, ...notice.event.to.asked]),
    transfer_accepted: (notice) => touchedBy(notice, [notice.event.from.assignee, notice.event.to.assignee]),
    transfer_declined: (notice) => touchedBy(notice, [notice.event.from.agent]),
    transfer_expired: (notice) => touchedBy(notice, [notice.event.from.agent]),
    transfer_cancelled: (notice) => touchedBy(notice, [notice.event.from.agent]),
    // A survey answer counts in the week of the agent who solved it.
    satisfaction_rated: (notice) => touchedBy(notice, [notice.event.to.agent]),
  };

  return {
    name: 'homes',
    events,
    signals: {
      availability_changed: async (signal) => void (await Promise.all(availabilityWatchers(signal).map(refresh))),
    },
  };
}
