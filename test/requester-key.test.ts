import { afterEach, describe, expect, it } from 'vitest';
import { ticketEvent } from '../src/events/ticket-events.js';
import { requesterKey, ticketId } from '../src/store/tickets.js';
import { openTestStore } from './support/database.js';
import { changeTicket, fileTicket, testDesk } from './support/desk.js';
import { people } from './support/workspace.js';

/**
 * A requester's other tickets are read by one top-level field (`requesterKey`), which FerretDB hands
 * to PostgreSQL to filter: it is written with the ticket, follows a change of requester, and tickets
 * filed before it existed get it at the next start (the read models' mark says so).
 */
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

describe("a requester's other tickets", () => {
  it('are found by the key written with each ticket, and a changed requester is found under the new one', async () => {
    const store = await openTestStore('reqkey');
    open.push(store);
    const desk = testDesk(store);
    const first = await fileTicket(desk, { requester: { kind: 'email', email: 'ana@example.com', name: 'Ana' } });
    const second = await fileTicket(desk, { requester: { kind: 'email', email: 'ana@example.com', name: 'Ana' } });
    await fileTicket(desk);
    const ana = { kind: 'email', email: 'ana@example.com', name: 'Ana' } as const;
    expect((await store.tickets.ofRequester(ana, 10)).map((ticket) => ticket.number)).toEqual([
      second.number,
      first.number,
    ]);
    expect((await store.tickets.ofRequester(ana, 10, second.number)).map((ticket) => ticket.number)).toEqual([
      first.number,
    ]);
    // The key is the store's own: a ticket read back does not show it.
    expect(await store.tickets.get(first.number)).not.toHaveProperty('requesterKey');

    const now = desk.clock();
    const bea = { kind: 'email', email: 'bea@example.com', name: 'Bea' } as const;
    await changeTicket(
      desk,
      first.number,
      {},
      { requester: { ...bea, previousEmails: ['ana@example.com'] } },
      ticketEvent('requester_changed', { kind: 'agent', id: people.ana }, now, {
        from: { email: ana.email, name: ana.name },
        to: { email: bea.email, name: bea.name },
      }),
      now,
    );
    expect((await store.tickets.ofRequester(bea, 10)).map((ticket) => ticket.number)).toEqual([first.number]);
    expect((await store.tickets.ofRequester(ana, 10)).map((ticket) => ticket.number)).toEqual([second.number]);
  });

  it('filed before the key existed, are keyed at the next start and found', async () => {
    const store = await openTestStore('reqkeyold');
    open.push(store);
    const desk = testDesk(store);
    const older = await fileTicket(desk);
    await store.models.Ticket.updateOne({ _id: ticketId(older.number) }, { $unset: { requesterKey: '' } });
    const customer = { kind: 'slack', userId: people.customer } as const;
    expect(await store.tickets.ofRequester(customer, 10)).toEqual([]);

    // As a start finds the data older than the code's mark.
    await store.connection.collection('read_model_marks').deleteOne({ _id: 'requester_keys' as never });
    expect((await store.rebuildReadModels({ onlyWhenOlder: true })).rebuilt).toContain('requester_keys');
    expect((await store.tickets.ofRequester(customer, 10)).map((ticket) => ticket.number)).toEqual([older.number]);
    const raw = await store.models.Ticket.collection.findOne({ _id: ticketId(older.number) as never });
    expect(raw?.requesterKey).toBe(requesterKey(customer));
    // A start with the mark current keys nothing again.
    expect((await store.rebuildReadModels({ onlyWhenOlder: true })).rebuilt).not.toContain('requester_keys');
  });
});
