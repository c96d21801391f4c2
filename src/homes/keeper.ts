import type { Subscriber, TicketNotice } from '../events/types.js';
import type { GroupPart, PersonPart } from '../store/homes.js';
import type { Desk } from '../tickets/desk.js';
import type { TicketAction } from '../tickets/types.js';

/**
 * Keeps the Homes' read models (src/store/homes.ts) as events are handed out, before the notifiers run,
 * so a Home published for an event shows what it changed. Each event names the people and groups it
 * touches; their parts are recomputed from the tickets once per batch of events (a take and the status it
 * set are one recomputation), on its last event. An event handed out again recomputes the same thing.
 */

/** Actions that cannot move a ticket into or out of its group's queue: the queue's part is left alone. */
const QUEUE_UNCHANGED: ReadonlySet<TicketAction> = new Set<TicketAction>([
  'replied',
  'noted',
  'form_changed',
  'priority_changed',
  'follow_up_created',
  'merged_from',
  'problem_marked',
  'incident_linked',
  'transfer_requested',
  'transfer_declined',
  'transfer_expired',
  'transfer_cancelled',
  'chat_followed',
  'chat_unfollowed',
  'satisfaction_rated',
  'delivery_failed',
]);

/** Actions that change nothing a Home lists (a survey answer goes to the week's figures, kept apart). */
const NOTHING_LISTED: ReadonlySet<TicketAction> = new Set<TicketAction>(['satisfaction_rated']);

interface Touched {
  persons: Set<string>;
  groups: Set<number>;
  personParts: Set<PersonPart>;
  groupParts: Set<GroupPart>;
}

function peopleNamed(side: unknown): string[] {
  if (!side || typeof side !== 'object') return [];
  const { assignee, agent, asked, kind, id } = side as Record<string, unknown>;
  return [
    ...(typeof assignee === 'string' ? [assignee] : []),
    ...(typeof agent === 'string' ? [agent] : []),
    ...(Array.isArray(asked) ? asked.filter((person): person is string => typeof person === 'string') : []),
    ...(kind === 'agent' && typeof id === 'string' ? [id] : []),
  ];
}

function groupsNamed(side: unknown): number[] {
  if (!side || typeof side !== 'object') return [];
  const { groupId, kind, id } = side as Record<string, unknown>;
  return [
    ...(typeof groupId === 'number' ? [groupId] : []),
    ...((kind === 'group' || kind === 'lead') && id !== undefined ? [Number(id)] : []),
  ];
}

export function homesKeeper(desk: Desk): Subscriber {
  const batches = new Map<number, Touched>();

  function touch({ event, ticket }: TicketNotice): Touched {
    const touched = batches.get(ticket.number) ?? {
      persons: new Set(),
      groups: new Set(),
      personParts: new Set(),
      groupParts: new Set(),
    };
    batches.set(ticket.number, touched);
    if (NOTHING_LISTED.has(event.action)) return touched;
    const chat = ticket.channel === 'chat' || event.action.startsWith('chat_') || event.action.startsWith('transfer_');
    for (const person of [ticket.assignee, ...peopleNamed(event.from), ...peopleNamed(event.to)])
      if (typeof person === 'string') touched.persons.add(person);
    for (const groupId of [ticket.groupId, ...groupsNamed(event.from), ...groupsNamed(event.to)])
      touched.groups.add(groupId);
    touched.personParts.add('tickets');
    if (chat) {
      touched.personParts.add('chats');
      touched.groupParts.add('chats');
    }
    if (!QUEUE_UNCHANGED.has(event.action)) touched.groupParts.add('queue');
    return touched;
  }

  return {
    name: 'home read models',
    records: true,
    async everyEvent(notice) {
      const touched = touch(notice);
      if (!notice.last) return;
      batches.delete(notice.ticket.number);
      await desk.store.homes.follow({
        persons: [...touched.persons],
        personParts: [...touched.personParts],
        groups: [...touched.groups],
        groupParts: [...touched.groupParts],
      });
    },
  };
}
