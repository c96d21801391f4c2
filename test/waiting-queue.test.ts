import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Store } from '../src/store/store.js';
import { takeNextTicket, takeTicket } from '../src/tickets/take.js';
import { openTestStore } from './support/database.js';
import { fileTicket, testDesk } from './support/desk.js';
import { expectReadModelsMatchTickets } from './support/read-models.js';
import { people, testWorkspace } from './support/workspace.js';

/**
 * `/ticket next` claims from the queue's own collection (waiting_tickets), which holds only the
 * tickets waiting: these stories are the ways it can disagree with the tickets, and how each is set right.
 */
describe('the queue kept as its own collection', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore('waitingqueue');
  });
  afterAll(async () => {
    await store.close();
  });

  function ownDesk(branch: Store) {
    return testDesk(branch, { workspace: testWorkspace() });
  }

  it('holds a filed ticket until it is taken, and only then lets it go', async () => {
    const branch = await openTestStore('waitingfiled');
    try {
      const desk = ownDesk(branch);
      const first = await fileTicket(desk, { subject: 'First' });
      const second = await fileTicket(desk, { subject: 'Second' });
      expect((await branch.waiting.all()).map((entry) => entry.number)).toEqual([first.number, second.number]);
      const taken = await takeTicket(desk, { number: second.number, agent: people.ana });
      expect(taken.ok).toBe(true);
      expect((await branch.waiting.all()).map((entry) => entry.number)).toEqual([first.number]);
      await expectReadModelsMatchTickets(branch);
    } finally {
      await branch.close();
    }
  });

  it('skips an entry whose ticket someone took a moment ago (its entry not yet gone), and removes it', async () => {
    const branch = await openTestStore('waitingstale');
    try {
      const desk = ownDesk(branch);
      const oldest = await fileTicket(desk, { subject: 'Oldest' });
      const next = await fileTicket(desk, { subject: 'Next' });
      await takeTicket(desk, { number: oldest.number, agent: people.ana });
      // As a process that died between the take and the entry's removal would leave it.
      await branch.waiting.model.collection.insertOne({
        _id: String(oldest.number),
        number: oldest.number,
        groupId: oldest.groupId,
        createdAt: oldest.createdAt,
        claimedBy: null,
        claimedUntil: new Date(0),
      } as never);

      const result = await takeNextTicket(desk, people.ben);
      expect(result.ok && result.ticket.number).toBe(next.number);
      expect((await branch.tickets.get(oldest.number))!.assignee).toBe(people.ana);
      await expectReadModelsMatchTickets(branch);
    } finally {
      await branch.close();
    }
  });

  it('gets back an entry a cut write lost, from the ticket’s event still in its outbox, when the leftovers are handed out', async () => {
    const branch = await openTestStore('waitingcut');
    try {
      const desk = ownDesk(branch);
      const ticket = await fileTicket(desk, { subject: 'Released, then the process died' });
      await takeTicket(desk, { number: ticket.number, agent: people.ana });
      await desk.settled();
      const now = desk.clock();
      // The release is written; the process dies before the queue's entry is.
      await branch.tickets.change(
        ticket.number,
        { assignee: people.ana },
        { assignee: null },
        {
          actor: { kind: 'agent', id: people.ana },
          action: 'released',
          from: { assignee: people.ana },
          to: { assignee: null },
          at: now,
        },
        now,
      );
      await branch.waiting.model.deleteOne({ _id: String(ticket.number) });
      expect(await branch.waiting.count([ticket.groupId])).toBe(0);

      await desk.events.redeliverLeftovers(new Date(now.getTime() + 1), 100);
      await desk.settled();
      expect(await branch.waiting.count([ticket.groupId])).toBe(1);
      const result = await takeNextTicket(desk, people.ben);
      expect(result.ok && result.ticket.number).toBe(ticket.number);
      await expectReadModelsMatchTickets(branch);
    } finally {
      await branch.close();
    }
  });

  it('lets a claim a dead process left lapse: the ticket is given to the next agent after it', async () => {
    const branch = await openTestStore('waitingclaim');
    try {
      const desk = ownDesk(branch);
      const ticket = await fileTicket(desk, { subject: 'Claimed by a process that died' });
      expect(await branch.waiting.claimOldest([ticket.groupId], people.ana, desk.clock())).toBe(ticket.number);
      expect((await takeNextTicket(desk, people.ben)).ok).toBe(false);
      desk.testClock.advance(31_000);
      const result = await takeNextTicket(desk, people.ben);
      expect(result.ok && result.ticket.assignee).toBe(people.ben);
    } finally {
      await branch.close();
    }
  });

  it('is rebuilt from the tickets when a start finds data marked by older code, and by the command', async () => {
    const dbName = `t_waitingmark_${Date.now().toString(36)}`;
    const first = await openTestStore('waitingmark', { dbName });
    const desk = ownDesk(first);
    const waiting = await fileTicket(desk, { subject: 'Filed before the queue had a collection' });
    // Data from before the read model: no entries, no mark.
    await first.waiting.model.deleteOne({ _id: String(waiting.number) });
    await first.connection.db!.collection('read_model_marks').deleteOne({ _id: 'waiting_tickets' } as never);
    await first.close();

    const second = await Store.open({ uri: inject('mongodbUri'), dbName });
    try {
      expect((await second.waiting.all()).map((entry) => entry.number)).toEqual([waiting.number]);
      await second.waiting.model.deleteOne({ _id: String(waiting.number) });
      // The mark is current now: a start leaves the collection be; the command rebuilds it.
      expect(await second.rebuildReadModels({ onlyWhenOlder: true })).toEqual({ rebuilt: [] });
      expect(await second.rebuildReadModels()).toEqual({ rebuilt: ['waiting_tickets', 'homes', 'requester_keys'] });
      await expectReadModelsMatchTickets(second);
    } finally {
      await second.connection.dropDatabase();
      await second.close();
    }
  });

  it('gives 20 agents pressing /ticket next at once 20 different tickets, the oldest first', async () => {
    const agents = Array.from({ length: 20 }, (_, index) => ({
      user: `UQUEUE${String(index).padStart(3, '0')}`,
      name: `Agent ${index}`,
      groups: [10],
    }));
    const desk = testDesk(store, { workspace: testWorkspace({ agents }) });
    const filed = [];
    for (let index = 0; index < 22; index++) filed.push(await fileTicket(desk, { subject: `Waiting ${index}` }));
    const results = await Promise.all(agents.map((agent) => takeNextTicket(desk, agent.user)));
    const numbers = results.map((result) => (result.ok ? result.ticket.number : null));
    expect(new Set(numbers).size).toBe(20);
    expect([...numbers].sort((a, b) => a! - b!)).toEqual(filed.slice(0, 20).map((ticket) => ticket.number));
    await expectReadModelsMatchTickets(store);
  });
});
