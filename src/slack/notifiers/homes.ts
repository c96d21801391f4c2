import type { SignalOf, Subscriber, TicketNotice, TicketNoticeOf } from '../../events/types.js';
import { faultMessage } from '../../log.js';
import type { TicketAction } from '../../tickets/types.js';
import { publishHome } from '../home.js';
import type { NotifierContext } from './context.js';

/** Who an action names besides its agent and the ticket's assignee, by action: the keys are what moves a Home. */
type NamedBy = { readonly [A in TicketAction]?: (notice: TicketNoticeOf<A>) => readonly (string | null | undefined)[] };

/**
 * An agent's App Home follows the events that change what it shows: their tickets (taken, replied,
 * escalated away, transferred), their week's figures (a survey answer), their team's availability.
 * Only homes an event touched are published, and bursts are coalesced: the events of one change (a
 * take and the status it set) are one publish, on their last; while a person's home is being published
 * (or waits its turn under Slack's Tier 4 limit of views.publish, in the Web API client's line), further
 * changes ask for one more publish of the latest state, not one each; and a view equal to the one the
 * person has is not sent (src/slack/home.ts). Homes of people an event did not touch (a new ticket in a
 * group's queue) are brought up to date when they open the tab.
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
          await publishHome(send.client, desk, user, undefined, { onlyWhenChanged: true });
        } catch (error) {
          log(`slack: home publish for ${user} failed: ${faultMessage(error)}`, error);
        }
      } while (again.has(user));
    })().finally(() => publishing.delete(user));
    publishing.set(user, run);
    return run;
  }

  /** People whose homes the events of one change touched so far, by ticket: published on the change's last event. */
  const batches = new Map<number, Set<string>>();

  /** The homes an event touched: its agent's, the ticket's assignee's, and those the event names. */
  function touchedBy({ ticket, event }: TicketNotice, named: readonly (string | null | undefined)[]): void {
    const people = [event.actor.kind === 'agent' ? event.actor.id : undefined, ticket.assignee, ...named];
    const batch = batches.get(ticket.number) ?? new Set<string>();
    batches.set(ticket.number, batch);
    for (const person of people)
      if (typeof person === 'string' && desk.directory.agent(person) !== undefined) batch.add(person);
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
  const named: NamedBy = {
    taken: (notice) => [notice.event.to.assignee],
    assigned: (notice) => [notice.event.from.assignee, notice.event.to.assignee],
    released: (notice) => [notice.event.from.assignee],
    handed_back: (notice) => [notice.event.from.assignee, notice.event.to.assignee],
    // A chat message turns whose turn it is on the agent's list of live chats; a burst is one publish.
    replied: () => [],
    noted: () => [],
    status_changed: () => [],
    escalated: (notice) => [notice.event.from.assignee],
    reopened: () => [],
    requester_replied: () => [],
    auto_closed: () => [],
    merged_into: () => [],
    chat_ended: () => [],
    chat_requeued: (notice) => [notice.event.from.assignee],
    chat_accepted: (notice) => [notice.event.from.assignee, notice.event.to.assignee],
    // Transfers: who asked, and who is asked to answer.
    transfer_requested: (notice) => [notice.event.from.agent, ...notice.event.to.asked],
    transfer_accepted: (notice) => [notice.event.from.assignee, notice.event.to.assignee],
    transfer_declined: (notice) => [notice.event.from.agent],
    transfer_expired: (notice) => [notice.event.from.agent],
    transfer_cancelled: (notice) => [notice.event.from.agent],
    // A survey answer counts in the week of the agent who solved it.
    satisfaction_rated: (notice) => [notice.event.to.agent],
  };

  return {
    name: 'homes',
    async everyEvent(notice) {
      const namedBy = named[notice.event.action] as
        | ((notice: TicketNotice) => readonly (string | null | undefined)[])
        | undefined;
      // A chat's internal notes change no list on anyone's home.
      const chatNote = notice.event.action === 'noted' && notice.ticket.channel === 'chat';
      if (namedBy && !chatNote) touchedBy(notice, namedBy(notice));
      if (!notice.last) return;
      const batch = batches.get(notice.ticket.number);
      batches.delete(notice.ticket.number);
      if (batch) await Promise.all([...batch].map(refresh));
    },
    signals: {
      availability_changed: async (signal) => void (await Promise.all(availabilityWatchers(signal).map(refresh))),
    },
  };
}
