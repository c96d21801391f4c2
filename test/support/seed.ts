import type { Store } from '../../src/store/store.js';
import { requesterKey } from '../../src/store/tickets.js';
import type { Ticket } from '../../src/tickets/types.js';

/** What a seeded ticket must say; everything else is a new Slack ticket's usual value. */
export type SeededTicket = Pick<Ticket, 'number' | 'subject' | 'createdAt'> & Partial<Ticket>;

/**
 * Tickets written straight into the collection in one insert, for a test that needs hundreds of them
 * to exist (a long queue, an agent's long list) and is about reading them, not filing them: filing 200
 * one by one through the workflow took most of such a test's time. Numbers should stay clear of the
 * desk's own counter (it starts at 1001): a test picks them, 50_000 and up.
 */
export async function seedTickets(store: Store, tickets: readonly SeededTicket[]): Promise<Ticket[]> {
  const seeded: Ticket[] = tickets.map((ticket) => ({
    description: '',
    requester: { kind: 'email', email: `requester${ticket.number}@example.com`, name: 'A requester' },
    status: 'new',
    assignee: null,
    groupId: 10,
    priority: 'normal',
    form: {},
    channel: 'email',
    source: { kind: 'api', filedBy: 'seed' },
    updatedAt: ticket.createdAt,
    pendingSince: null,
    solvedAt: null,
    closedAt: null,
    mergedInto: null,
    version: 1,
    ...ticket,
  }));
  // The top-level key a requester's other tickets are read by, as filing writes it.
  await store.models.Ticket.insertMany(
    seeded.map((ticket) => ({ _id: String(ticket.number), ...ticket, requesterKey: requesterKey(ticket.requester) })),
  );
  return seeded;
}
