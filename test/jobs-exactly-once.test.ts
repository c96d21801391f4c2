import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS } from '../src/clock.js';
import { ticketEvent } from '../src/events/ticket-events.js';
import { FakeSlack } from '../src/fake-slack/server.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import type { Store } from '../src/store/store.js';
import { closeStalePending } from '../src/tickets/auto-close.js';
import type { Desk } from '../src/tickets/desk.js';
import { TestClock } from './support/clock.js';
import { conditionalWriteModes, openTestStore } from './support/database.js';
import { changeTicket, fileTicket, testDesk } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people } from './support/workspace.js';

const autoClose = deskJob('pending-auto-close');
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

function closing<T extends { close(): Promise<void> }>(thing: T): T {
  open.push(thing);
  return thing;
}

async function pendingTickets(desk: Desk & { testClock: TestClock }, count: number): Promise<number[]> {
  const numbers: number[] = [];
  for (let i = 0; i < count; i++) {
    const ticket = await fileTicket(desk);
    const now = desk.clock();
    await changeTicket(
      desk,
      ticket.number,
      {},
      { status: 'pending', assignee: people.ana, pendingSince: now },
      ticketEvent('status_changed', { kind: 'agent', id: people.ana }, now, {
        from: { status: 'new' },
        to: { status: 'pending' },
      }),
      now,
    );
    numbers.push(ticket.number);
  }
  return numbers;
}

async function autoClosedEvents(store: Store, number: number) {
  return (await store.tickets.history(number)).filter((event) => event.action === 'auto_closed');
}

/** Two replicas of the app on one database, one clock, one Slack. */
async function twoReplicas(): Promise<{ a: TestDesk; b: TestDesk; store: Store; clock: TestClock; fake: FakeSlack }> {
  const store = closing(await openTestStore('replicas'));
  const fake = closing(await FakeSlack.start());
  const clock = new TestClock();
  const a = closing(await startTestDesk({ store, fake, clock }));
  const b = closing(await startTestDesk({ store, fake, clock }));
  return { a, b, store, clock, fake };
}

describe('two replicas run the same job at the same moment', () => {
  it('one of them runs it; each ticket is closed once with one note and one DM', async () => {
    const { a, b, store, clock, fake } = await twoReplicas();
    const numbers = await pendingTickets(testDesk(store, { clock }), 6);
    fake.clearCalls();
    clock.advance(3 * DAY_MS);
    const runs = await Promise.all([a.deskbolt.jobs.run(autoClose), b.deskbolt.jobs.run(autoClose)]);
    expect(runs.filter((run) => run.ran)).toHaveLength(1);
    for (const number of numbers) {
      expect((await store.tickets.get(number))!.status).toBe('closed');
      expect(await autoClosedEvents(store, number)).toHaveLength(1);
      expect(await store.tickets.comments(number, { kinds: ['public'] })).toHaveLength(1);
    }
    await Promise.all([a.settled(), b.settled()]);
    expect(fake.dmsTo(people.customer).filter((call) => String(call.args.text).startsWith('We haven'))).toHaveLength(6);
    // The lease is free again for the next tick.
    expect(await store.leases.holder(autoClose.name)).toMatchObject({ owner: null });
  });

  it.each(conditionalWriteModes())(
    'even without the lease, the conditional writes close each ticket once (%s)',
    async (conditionalWrites) => {
      const store = closing(await openTestStore('nolease', { conditionalWrites }));
      const clock = new TestClock();
      const one = testDesk(store, { clock });
      const numbers = await pendingTickets(one, 8);
      clock.advance(3 * DAY_MS);
      const told: number[] = [];
      const other = testDesk(store, { clock });
      for (const replica of [one, other])
        replica.events.subscribe({
          name: 'requester',
          events: { auto_closed: async ({ ticket }) => void told.push(ticket.number) },
        });
      const results = await Promise.all([
        closeStalePending(one, clock.now(), { batchSize: 3 }),
        closeStalePending(other, clock.now(), { batchSize: 3 }),
      ]);
      await Promise.all([one.settled(), other.settled()]);
      expect(results[0].closed + results[1].closed).toBe(8);
      expect(told.sort()).toEqual(numbers);
      for (const number of numbers) {
        expect(await autoClosedEvents(store, number)).toHaveLength(1);
        expect(await store.tickets.comments(number)).toHaveLength(1);
      }
    },
  );

  it('the first run ever: two replicas racing to create the lease document get it once', async () => {
    const store = closing(await openTestStore('firstlease'));
    const now = new Date('2026-11-02T09:00:00Z');
    const got = await Promise.all(
      ['r1', 'r2', 'r3', 'r4'].map((owner) => store.leases.acquire('brand-new-job', owner, now, MINUTE_MS)),
    );
    expect(got.filter(Boolean)).toHaveLength(1);
  });
});

describe('a run that dies part way', () => {
  it('a run limited to N items leaves the rest, and the next run finishes them', async () => {
    const store = closing(await openTestStore('limited'));
    const desk = testDesk(store);
    const numbers = await pendingTickets(desk, 7);
    desk.testClock.advance(3 * DAY_MS);
    expect(await closeStalePending(desk, desk.clock(), { maxItems: 3, batchSize: 2 })).toMatchObject({
      closed: 3,
      stoppedEarly: true,
    });
    expect(await closeStalePending(desk, desk.clock(), { batchSize: 2 })).toMatchObject({
      closed: 4,
      stoppedEarly: false,
    });
    await desk.settled();
    for (const number of numbers) expect(await autoClosedEvents(store, number)).toHaveLength(1);
  });

  /** The desk with its store's `method` failing (the process dying there) on call number `dieOnCall`. */
  function dyingAt(desk: Desk, method: 'changeEach', dieOnCall: number): Desk {
    const store = desk.store;
    const original = store.tickets[method].bind(store.tickets) as (...args: unknown[]) => Promise<unknown>;
    let calls = 0;
    return {
      ...desk,
      store: Object.assign(Object.create(store), {
        tickets: Object.assign(Object.create(store.tickets), {
          async [method](...args: unknown[]) {
            if (++calls === dieOnCall) throw new Error('process killed');
            return original(...args);
          },
        }),
      }),
    };
  }

  // The hand-out's own cut points (before the notes, before the outboxes are emptied) are test/auto-close-writes.test.ts's.
  it("a run that dies before a batch's close: the next run closes the rest, each ticket one note, each requester told once", async () => {
    const store = closing(await openTestStore('crash'));
    const desk = testDesk(store);
    const numbers = await pendingTickets(desk, 5);
    desk.testClock.advance(3 * DAY_MS);
    const told: number[] = [];
    desk.events.subscribe({
      name: 'requester',
      events: { auto_closed: async ({ ticket }) => void told.push(ticket.number) },
    });
    // Batches of two: the first closes, with its notes; the process dies at the second's close.
    await expect(closeStalePending(dyingAt(desk, 'changeEach', 2), desk.clock(), { batchSize: 2 })).rejects.toThrow(
      'process killed',
    );
    await desk.settled();
    const closedSoFar = (await store.tickets.getMany(numbers)).filter((ticket) => ticket.status === 'closed');
    expect(closedSoFar).toHaveLength(2);
    expect(told).toHaveLength(2);

    const resumed = await closeStalePending(desk, desk.clock(), { batchSize: 2 });
    await desk.settled();
    expect(resumed.closed).toBe(3);
    for (const ticket of await store.tickets.getMany(numbers)) {
      expect(ticket.status).toBe('closed');
      expect(await store.tickets.comments(ticket.number)).toHaveLength(1);
      expect(await autoClosedEvents(store, ticket.number)).toHaveLength(1);
    }
    expect(told.sort()).toEqual(numbers);
  });

  it('a replica that dies holding the lease loses it at expiry, and another finishes the work', async () => {
    const { a, store, clock } = await twoReplicas();
    const numbers = await pendingTickets(testDesk(store, { clock }), 3);
    clock.advance(3 * DAY_MS);
    // The dead replica took the lease and never released it.
    expect(await store.leases.acquire(autoClose.name, 'dead-replica', clock.now(), 10 * MINUTE_MS)).toBe(true);
    expect(await a.deskbolt.jobs.run(autoClose)).toEqual({ ran: false });
    clock.advance(10 * MINUTE_MS - 1);
    expect(await a.deskbolt.jobs.run(autoClose)).toEqual({ ran: false });
    clock.advance(1);
    expect(await a.deskbolt.jobs.run(autoClose)).toMatchObject({ ran: true, result: { closed: 3 } });
    for (const number of numbers) expect((await store.tickets.get(number))!.status).toBe('closed');
    // The dead replica coming back cannot free the lease someone else now holds.
    expect(await store.leases.acquire(autoClose.name, 'other', clock.now(), MINUTE_MS)).toBe(true);
    await store.leases.release(autoClose.name, 'dead-replica');
    expect(await store.leases.holder(autoClose.name)).toMatchObject({ owner: 'other' });
  });

  it('a run that loses its lease between batches stops, leaving the rest', async () => {
    const store = closing(await openTestStore('lostlease'));
    const desk = testDesk(store);
    await pendingTickets(desk, 5);
    desk.testClock.advance(3 * DAY_MS);
    const result = await closeStalePending(desk, desk.clock(), { batchSize: 2, keepGoing: async () => false });
    expect(result).toMatchObject({ closed: 2, stoppedEarly: true });
  });
});
