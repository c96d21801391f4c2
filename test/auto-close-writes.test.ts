import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS } from '../src/clock.js';
import { ticketEvent } from '../src/events/ticket-events.js';
import { sweepLeftovers } from '../src/jobs/sweep.js';
import type { DatabaseCommand } from '../src/store/command-watch.js';
import type { Store } from '../src/store/store.js';
import { ticketId } from '../src/store/tickets.js';
import { closeStalePending, closingNoteId } from '../src/tickets/auto-close.js';
import type { Desk } from '../src/tickets/desk.js';
import type { TestClock } from './support/clock.js';
import { conditionalWriteModes, openTestStore } from './support/database.js';
import { changeTicket, fileTicket, testDesk } from './support/desk.js';
import { people } from './support/workspace.js';

/**
 * The auto-close writes a closed ticket twice (its close with its event in its outbox, and the outbox
 * emptied once the event is out), and a batch's closing notes in one insert: counted from the commands
 * the store sends, never timed. Its cut points (the hand-out dying before its history and notes, or
 * before emptying the outboxes) are finished by a restart's leftover sweep, one note each.
 */
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

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
    // Pending one after another, so the auto-close's batches (longest pending first) take them in this order.
    desk.testClock.advance(MINUTE_MS);
  }
  return numbers;
}

/** How many documents a command writes (an insert's documents, an update's statements). */
function documentsWritten(command: DatabaseCommand): number {
  const { body } = command;
  switch (command.name) {
    case 'insert':
      return (body.documents as unknown[]).length;
    case 'update':
      return (body.updates as unknown[]).length;
    case 'delete':
      return (body.deletes as unknown[]).length;
    case 'findAndModify':
      return 1;
    default:
      return 0;
  }
}

async function oneNoteEach(store: Store, numbers: readonly number[]): Promise<void> {
  for (const number of numbers) {
    const notes = await store.tickets.comments(number, { kinds: ['public'] });
    expect(notes.map((note) => note.id)).toEqual([closingNoteId(number)]);
    expect((await store.tickets.history(number)).filter((event) => event.action === 'auto_closed')).toHaveLength(1);
    expect((await store.tickets.withOutbox(number))!.outbox).toEqual([]);
  }
}

describe.each(conditionalWriteModes())('what the auto-close writes per closed ticket (%s)', (conditionalWrites) => {
  it('two writes of each ticket, and one insert of notes and one of history per batch', async () => {
    const store = await openTestStore('acwrites', { conditionalWrites });
    open.push(store);
    const desk = testDesk(store);
    const numbers = await pendingTickets(desk, 12);
    desk.testClock.advance(3 * DAY_MS);
    const writes: DatabaseCommand[] = [];
    const stop = store.commands.watch((command) => {
      if (documentsWritten(command) > 0) writes.push(command);
    });
    try {
      expect(await closeStalePending(desk, desk.clock(), { batchSize: 6 })).toMatchObject({ closed: 12 });
      await desk.settled();
    } finally {
      stop();
    }
    const into = (collection: string) => writes.filter((command) => command.collection === collection);
    const ticketWrites = into('tickets').reduce((sum, command) => sum + documentsWritten(command), 0);
    // Each ticket: its close (status and outbox in one update), then its outbox emptied. No note mark.
    expect(ticketWrites).toBe(2 * numbers.length);
    for (const command of into('tickets')) expect(JSON.stringify(command.body)).not.toContain('closingNoteDue');
    // Two batches: each batch's notes in one insert, each batch's history in one insert.
    expect(into('comments').map(documentsWritten)).toEqual([6, 6]);
    expect(into('events').map(documentsWritten)).toEqual([6, 6]);
    // Pending tickets are not in the queue, and closing them leaves it alone.
    expect(into('waiting_tickets')).toEqual([]);
    await oneNoteEach(store, numbers);
  });
});

describe('a restart finishes a hand-out the process died in', () => {
  /** The store, with `method` failing as if the process had been killed there, when it is called about `tickets`. */
  function dyingIn(store: Store, method: 'recordHistory' | 'clearOutboxes', tickets: readonly number[]): Store {
    const original = store.tickets[method].bind(store.tickets) as (...args: unknown[]) => Promise<void>;
    return Object.assign(Object.create(store), {
      tickets: Object.assign(Object.create(store.tickets), {
        async [method](...args: unknown[]) {
          const about = (args[0] as { ticketNumber?: number; number?: number }[]).map(
            (entry) => entry.ticketNumber ?? entry.number,
          );
          if (about.some((number) => tickets.includes(number!))) throw new Error('process killed');
          return original(...args);
        },
      }),
    });
  }

  it.each([
    ['recordHistory', 'before its history and notes'],
    ['clearOutboxes', 'after its notes, before emptying the outboxes'],
  ] as const)(
    'in %s (%s): the leftover sweep writes each note once and tells each requester',
    async (method, _where) => {
      const store = await openTestStore('accut');
      open.push(store);
      const setUp = testDesk(store);
      const numbers = await pendingTickets(setUp, 5);
      setUp.testClock.advance(3 * DAY_MS);
      // Batches of two: the process dies handing out the second batch's events; its closes are written.
      const cut = numbers.slice(2, 4);
      const dying = testDesk(dyingIn(store, method, cut), { clock: setUp.testClock });
      const toldBefore: number[] = [];
      dying.events.subscribe({
        name: 'requester',
        events: { auto_closed: async ({ ticket }) => void toldBefore.push(ticket.number) },
      });
      expect(await closeStalePending(dying, dying.clock(), { batchSize: 2 })).toMatchObject({ closed: 5 });
      await dying.settled();
      for (const ticket of await store.tickets.getMany(numbers)) expect(ticket.status).toBe('closed');
      for (const number of cut) expect((await store.tickets.withOutbox(number))!.outbox).toHaveLength(1);
      const notesWritten = await store.models.Comment.countDocuments({ _id: { $in: cut.map(closingNoteId) } });
      expect(notesWritten).toBe(method === 'recordHistory' ? 0 : 2);

      // The restarted process: its leftover sweep hands out what is older than a minute.
      const restarted = testDesk(store, { clock: setUp.testClock });
      const toldAfter: number[] = [];
      restarted.events.subscribe({
        name: 'requester',
        events: { auto_closed: async ({ ticket }) => void toldAfter.push(ticket.number) },
      });
      restarted.testClock.advance(2 * MINUTE_MS);
      const report = await sweepLeftovers(restarted, restarted.clock(), {
        keepLease: async () => true,
        redeliverLeftovers: (olderThan, limit) => restarted.events.redeliverLeftovers(olderThan, limit),
      });
      await restarted.settled();
      expect(report.flushedTickets).toBe(2);
      await oneNoteEach(store, numbers);
      // Told once, or (cut after telling, before the outbox was emptied) once more by the restart: the
      // requester's DM is a delivery under the event's id, so Slack still gets one.
      expect(toldAfter.sort()).toEqual(cut);
      expect(toldBefore.sort()).toEqual(method === 'recordHistory' ? [...numbers.slice(0, 2), numbers[4]!] : numbers);
    },
  );

  it('a ticket an older version closed with its note still marked due gets the note at the next run', async () => {
    const store = await openTestStore('acupgrade');
    open.push(store);
    const desk = testDesk(store);
    const [number] = await pendingTickets(desk, 1);
    desk.testClock.advance(3 * DAY_MS);
    // As the older close left it: closed, the note marked due, not written.
    await store.models.Ticket.updateOne(
      { _id: ticketId(number!) },
      { $set: { status: 'closed', closedAt: desk.clock(), closingNoteDue: true } },
    );
    expect(await closeStalePending(desk, desk.clock())).toMatchObject({ closed: 0 });
    await desk.settled();
    expect(await store.tickets.get(number!)).toMatchObject({ status: 'closed', closingNoteDue: false });
    expect((await store.tickets.comments(number!, { kinds: ['public'] })).map((note) => note.id)).toEqual([
      closingNoteId(number!),
    ]);
  });
});
