import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/store/store.js';
import { takeTicket } from '../src/tickets/take.js';
import { conditionalWriteModes, openTestStore } from './support/database.js';
import { fileTicket, testDesk } from './support/desk.js';
import { testWorkspace } from './support/workspace.js';

/**
 * deskbolt relies on single-document atomicity. MongoDB gives it; FerretDB v1 does not across
 * connections, so the store serializes writes there. These pass on both, for the right reason each.
 */
describe('single-document writes are atomic', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore('guard');
  });
  afterAll(async () => {
    await store.close();
  });

  it('200 concurrent $inc on one counter end at exactly 200', async () => {
    const counters = store.models.Counter;
    await Promise.all(
      Array.from({ length: 200 }, () =>
        counters.findOneAndUpdate({ _id: 'race' }, { $inc: { seq: 1 } }, { upsert: true, new: true }),
      ),
    );
    const counter = await counters.findById('race').lean();
    expect(counter?.seq).toBe(200);
  });

  it('lets a write the driver builds on another (insertMany → bulkWrite) through instead of deadlocking', async () => {
    const events = store.models.Event.collection;
    const documents = (tag: string) =>
      Array.from({ length: 5 }, (_, index) => ({
        _id: `${tag}-${index}`,
        ticketNumber: 1,
        action: 'noted',
        at: new Date(),
        actor: { kind: 'system', id: 'test' },
      }));
    await Promise.all([
      events.insertMany(documents('a') as never),
      events.insertMany(documents('b') as never),
      store.tickets.nextNumber(),
    ]);
    expect(await events.countDocuments({ _id: { $in: ['a-0', 'a-4', 'b-0', 'b-4'] } } as never)).toBe(4);
  }, 10_000);

  it('hands out 50 distinct ticket numbers to 50 concurrent tickets', async () => {
    const numbers = await Promise.all(Array.from({ length: 50 }, () => store.tickets.nextNumber()));
    expect(new Set(numbers).size).toBe(50);
  });

  it.each(conditionalWriteModes())(
    '20 agents taking one ticket at once: exactly one owner, 19 clear refusals (%s)',
    async (conditionalWrites) => {
      const branch = await openTestStore('guardtake', { conditionalWrites });
      try {
        const agents = Array.from({ length: 20 }, (_, index) => ({
          user: `UAGENT${String(index).padStart(3, '0')}`,
          name: `Agent ${index}`,
          groups: [10],
        }));
        const desk = testDesk(branch, { workspace: testWorkspace({ agents }) });
        const ticket = await fileTicket(desk);
        const results = await Promise.all(
          agents.map((agent) => takeTicket(desk, { number: ticket.number, agent: agent.user })),
        );
        const winners = results.filter((result) => result.ok);
        expect(winners).toHaveLength(1);
        const owner = (await branch.tickets.get(ticket.number))!.assignee!;
        expect(winners[0]!.ok && winners[0]!.ticket.assignee).toBe(owner);
        for (const result of results.filter((r) => !r.ok)) {
          expect(result).toEqual({ ok: false, code: 'taken_by', facts: { number: ticket.number, agent: owner } });
        }
        await desk.settled();
        const takes = (await branch.tickets.history(ticket.number)).filter((event) => event.action === 'taken');
        expect(takes).toHaveLength(1);
      } finally {
        await branch.close();
      }
    },
  );
});
