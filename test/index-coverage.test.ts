import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseCommand } from '../src/store/command-watch.js';
import { describeShape, queryShapes, servingIndex } from '../src/store/query-shapes.js';
import type { Store } from '../src/store/store.js';
import { openTestStore } from './support/database.js';
import { fileTicket, testDesk } from './support/desk.js';

/**
 * The index-coverage check (test/support/index-coverage.ts runs it around every test file) reads
 * query shapes from the commands the driver really sends: these tests hold it to queries of the
 * store's own, served and not.
 */
describe('every query is served by a declared index', () => {
  let store: Store;
  const sent: DatabaseCommand[] = [];

  beforeAll(async () => {
    store = await openTestStore('indexcoverage');
    store.commands.watch((command) => sent.push(command));
  });
  afterAll(async () => {
    await store.connection.dropDatabase();
    await store.close();
  });

  async function shapesOf(query: () => Promise<unknown>) {
    sent.length = 0;
    await query();
    return sent.flatMap(queryShapes);
  }

  it("takes the queue's read (its own collection by group, sorted by age) as served by the queue index", async () => {
    // Groups no test of this file files into (the tests run shuffled): the queue is empty, so it reads nothing more
    // (a queue with tickets then reads them by _id).
    const [shape, ...others] = await shapesOf(() => store.tickets.queue([9901, 9902], 5));
    expect(others).toEqual([]);
    expect(describeShape(shape!)).toBe('waiting_tickets { groupId =; sort rank 1, createdAt 1, number 1 }');
    expect(servingIndex(shape!, store.declaredIndexes().get('waiting_tickets')!)).toEqual([
      ['groupId', 1],
      ['rank', 1],
      ['createdAt', 1],
      ['number', 1],
      ['claimedUntil', 1],
    ]);
  });

  it('reads the sort of a find (the driver sends it as a Map) and of a count (an aggregate)', async () => {
    // The page and the count go out together: the page is the sorted one.
    const history = (await shapesOf(() => store.tickets.historyPage(1001, 0, 20))).find(
      (shape) => shape.sort.length > 0,
    );
    expect(describeShape(history!)).toBe('events { ticketNumber =; sort at 1, _id 1 }');
    expect(servingIndex(history!, store.declaredIndexes().get('events')!)).not.toBeNull();
    const [count] = await shapesOf(() => store.tickets.countAssigned('UANA0001', ['open', 'pending']));
    expect(describeShape(count!)).toBe('tickets { assignee =; status = }');
    expect(servingIndex(count!, store.declaredIndexes().get('tickets')!)).not.toBeNull();
  });

  it('finds no index for a new query on a field no index holds, nor for a sort the index cannot give', async () => {
    const [byPriority] = await shapesOf(() => store.models.Ticket.find({ groupId: 10, priority: 'high' }).lean());
    expect(servingIndex(byPriority!, store.declaredIndexes().get('tickets')!)).toBeNull();
    const [sortedOtherwise] = await shapesOf(() =>
      store.models.Ticket.find({ assignee: 'UANA0001', status: 'open' }).sort({ priority: 1 }).lean(),
    );
    expect(describeShape(sortedOtherwise!)).toBe('tickets { assignee =; status =; sort priority 1 }');
    expect(servingIndex(sortedOtherwise!, store.declaredIndexes().get('tickets')!)).toBeNull();
  });

  it("tells the request's own commands from those of the work the dispatcher hands out (what the bench counts apart)", async () => {
    const desk = testDesk(store);
    sent.length = 0;
    await fileTicket(desk);
    await desk.settled();
    const marked = (name: string, collection: string) =>
      sent
        .filter((command) => command.name === name && command.collection === collection)
        .map((command) => command.offTheAskersPath);
    // The request files the ticket; the dispatcher writes its events into the history.
    expect(marked('insert', 'tickets')).toEqual([false]);
    expect(marked('insert', 'events')).toEqual([true]);
  });

  it('takes a lookup by _id as served, and an $expr as never served', async () => {
    const [byId] = await shapesOf(() => store.tickets.get(1001));
    expect(servingIndex(byId!, [])).toEqual([['_id', 1]]);
    // FerretDB v1 refuses to evaluate this $expr; the shape is read from the command as it was sent.
    const [expression] = await shapesOf(() =>
      store.models.Ticket.find({ $expr: { $gt: ['$version', 1] } })
        .lean()
        .catch(() => []),
    );
    expect(servingIndex(expression!, store.declaredIndexes().get('tickets')!)).toBeNull();
  });
});
