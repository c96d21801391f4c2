import { afterEach, describe, expect, it } from 'vitest';
import { actionIds, replyFields } from '../blocks/ids.js';
import { DAY_MS, MINUTE_MS } from '../src/clock.js';
import { ticketEvent } from '../src/events/ticket-events.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import type { FakeSlack } from '../src/fake-slack/server.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import type { Store } from '../src/store/store.js';
import { closeSolved, closeStalePending, closingNoteId } from '../src/tickets/auto-close.js';
import type { Desk } from '../src/tickets/desk.js';
import { addRequesterReply } from '../src/tickets/requester-reply.js';
import type { Actor, TicketStatus } from '../src/tickets/types.js';
import type { TestClock } from './support/clock.js';
import { conditionalWriteModes, openTestStore } from './support/database.js';
import { changeTicket, fileTicket, testDesk } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { channels, people } from './support/workspace.js';

const customer: Actor = { kind: 'requester', id: people.customer };
const autoClose = deskJob('pending-auto-close');

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

async function deskOf(options: { store?: Store; fake?: FakeSlack; clock?: TestClock } = {}): Promise<TestDesk> {
  const desk = await startTestDesk(options);
  open.push(desk);
  return desk;
}

/** An agent set it to status (pending starts the auto-close's count) at the clock's time. */
async function ticketIn(
  desk: Desk & { testClock: TestClock },
  status: TicketStatus,
  requester?: { kind: 'email'; email: string; name: string },
): Promise<number> {
  const ticket = await fileTicket(desk, requester ? { requester } : {});
  const now = desk.clock();
  await changeTicket(
    desk,
    ticket.number,
    {},
    {
      status,
      assignee: people.ana,
      pendingSince: status === 'pending' ? now : null,
      solvedAt: status === 'solved' ? now : null,
    },
    {
      actor: { kind: 'agent', id: people.ana },
      action: 'status_changed',
      from: { status: 'new' },
      to: { status },
      at: now,
    },
    now,
  );
  return ticket.number;
}

function workflowDesk(test: TestDesk): Desk & { testClock: TestClock } {
  return { ...test.deskbolt.desk, testClock: test.clock };
}

function dmsTo(fake: FakeSlack, user: string) {
  return fake.dmsTo(user);
}

describe('pending tickets close after PENDING_CLOSE_DAYS without a requester reply', () => {
  it('closes exactly at the boundary and not a millisecond before, with an event, a public note and a DM', async () => {
    const test = await deskOf();
    const desk = workflowDesk(test);
    const number = await ticketIn(desk, 'pending');
    const pendingAt = desk.clock().getTime();
    test.fake.clearCalls();

    test.clock.set(new Date(pendingAt + 3 * DAY_MS - 1));
    expect(await test.deskbolt.jobs.run(autoClose)).toMatchObject({ ran: true, result: { closed: 0 } });
    expect((await test.store.tickets.get(number))!.status).toBe('pending');

    test.clock.set(new Date(pendingAt + 3 * DAY_MS));
    expect(await test.deskbolt.jobs.run(autoClose)).toMatchObject({ ran: true, result: { closed: 1 } });
    const closed = (await test.store.tickets.get(number))!;
    expect(closed).toMatchObject({
      status: 'closed',
      closedAt: new Date(pendingAt + 3 * DAY_MS),
    });
    expect((await test.store.tickets.history(number)).at(-1)).toMatchObject({
      action: 'auto_closed',
      actor: { kind: 'system' },
      from: { status: 'pending' },
      to: { status: 'closed' },
    });
    const notes = await test.store.tickets.comments(number, { kinds: ['public'] });
    expect(notes).toHaveLength(1);
    expect(notes[0]!.text).toContain(`#${number}`);
    const dms = dmsTo(test.fake, people.customer);
    expect(dms).toHaveLength(1);
    expect(dms[0]!.args.text).toBe(notes[0]!.text);

    // Running again changes nothing and tells nobody twice.
    test.clock.advance(DAY_MS);
    expect(await test.deskbolt.jobs.run(autoClose)).toMatchObject({ ran: true, result: { closed: 0 } });
    expect(dmsTo(test.fake, people.customer)).toHaveLength(1);
  });

  it('counts from the last public reply submitted as Pending: a new question restarts the 3 days, an internal note does not', async () => {
    const test = await deskOf();
    const ticket = await fileTicket(workflowDesk(test));
    const submitReply = async (kind: 'public' | 'internal', text: string) => {
      await test.slack.blockAction(people.ana, {
        action_id: kind === 'public' ? actionIds.reply : actionIds.note,
        value: String(ticket.number),
      });
      await test.settled();
      const view = test.fake.okCalls('views.open').at(-1)!.response.view;
      const answer = await test.slack.viewSubmission(people.ana, {
        id: view.id,
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        state: viewStateFrom(view, { [replyFields.text]: text, [replyFields.status]: 'pending' }),
      });
      await test.settled();
      expect(answer.body).toBe('');
    };
    await submitReply('public', 'Can you send the receipt?');
    test.clock.advance(2 * DAY_MS);
    await submitReply('public', 'Thanks. Could you also send the bank statement?');
    const askedAgain = test.clock.now().getTime();
    test.clock.advance(DAY_MS);
    await submitReply('internal', 'Waiting on the statement; finance is aware.');
    expect(await test.store.tickets.get(ticket.number)).toMatchObject({
      status: 'pending',
      pendingSince: new Date(askedAgain),
    });

    test.clock.set(new Date(askedAgain + 3 * DAY_MS - 1));
    await test.deskbolt.jobs.run(autoClose);
    expect((await test.store.tickets.get(ticket.number))!.status).toBe('pending');
    test.clock.set(new Date(askedAgain + 3 * DAY_MS));
    await test.deskbolt.jobs.run(autoClose);
    expect((await test.store.tickets.get(ticket.number))!.status).toBe('closed');
  });

  it('honours PENDING_CLOSE_DAYS from the config', async () => {
    const test = await startTestDesk({ config: { pendingCloseDays: 1 } });
    open.push(test);
    const number = await ticketIn(workflowDesk(test), 'pending');
    test.clock.advance(DAY_MS);
    await test.deskbolt.jobs.run(autoClose);
    expect((await test.store.tickets.get(number))!.status).toBe('closed');
  });

  it('stores the note for an email requester and sends no Slack DM', async () => {
    const test = await deskOf();
    const number = await ticketIn(workflowDesk(test), 'pending', {
      kind: 'email',
      email: 'kim@example.com',
      name: 'Kim',
    });
    test.fake.clearCalls();
    test.clock.advance(3 * DAY_MS);
    await test.deskbolt.jobs.run(autoClose);
    expect((await test.store.tickets.get(number))!.status).toBe('closed');
    expect(await test.store.tickets.comments(number, { kinds: ['public'] })).toHaveLength(1);
    // The team's thread of the ticket says it closed; nobody gets a DM.
    expect(
      test.fake.okCalls('chat.postMessage').filter((call) => /^[DU]/.test(String(call.response.channel))),
    ).toHaveLength(0);
  });
});

describe('a requester reply racing the auto-close', () => {
  it('reply first: the ticket is open again, the close does not apply, and the agent is told', async () => {
    const test = await deskOf();
    const desk = workflowDesk(test);
    const number = await ticketIn(desk, 'pending');
    test.clock.advance(3 * DAY_MS - MINUTE_MS);
    const reply = await addRequesterReply(desk, { number, text: 'Here is the receipt', author: customer });
    if (!reply.ok) throw new Error(JSON.stringify(reply));
    await test.settled();
    test.clock.advance(DAY_MS);
    expect(await test.deskbolt.jobs.run(autoClose)).toMatchObject({ result: { closed: 0 } });
    expect((await test.store.tickets.get(number))!.status).toBe('open');
    const told = dmsTo(test.fake, people.ana);
    expect(told.at(-1)!.args.text).toContain(`#${number}, so it is open again`);
  });

  it('close first: the reply opens a follow-up, announced to the group', async () => {
    const test = await deskOf();
    const desk = workflowDesk(test);
    const number = await ticketIn(desk, 'pending');
    test.clock.advance(3 * DAY_MS);
    await test.deskbolt.jobs.run(autoClose);
    const reply = await addRequesterReply(desk, { number, text: 'Sorry, was away', author: customer });
    if (!reply.ok) throw new Error(JSON.stringify(reply));
    await test.settled();
    expect(reply.followUpOf).toBe(number);
    expect(reply.ticket).toMatchObject({ status: 'new', followUpOf: number });
    expect(
      test.fake
        .okCalls('chat.postMessage')
        .some(
          (call) =>
            call.args.channel === channels.billingAlerts && String(call.args.text).includes(`#${reply.ticket.number}`),
        ),
    ).toBe(true);
  });

  it('the close lands between the reply being stored and the reopen: the reply still reaches an open ticket', async () => {
    const test = await deskOf();
    const desk = workflowDesk(test);
    const number = await ticketIn(desk, 'pending');
    test.clock.advance(3 * DAY_MS);
    // The reply's own status change is delayed until the auto-close has run in between.
    const tickets = test.store.tickets;
    const change = tickets.change.bind(tickets);
    let raced = false;
    const racingDesk: Desk = {
      ...desk,
      store: Object.assign(Object.create(test.store), {
        tickets: Object.assign(Object.create(tickets), {
          async change(...args: Parameters<typeof change>) {
            if (!raced && [args[3]].flat()[0]!.actor.kind === 'requester') {
              raced = true;
              await closeStalePending(desk, desk.clock());
            }
            return change(...args);
          },
        }),
      }),
    };
    const reply = await addRequesterReply(racingDesk, { number, text: 'Still broken!', author: customer });
    if (!reply.ok) throw new Error(JSON.stringify(reply));
    expect(raced).toBe(true);
    expect((await test.store.tickets.get(number))!.status).toBe('closed');
    // Never closed with an unanswered reply: it lives on an open follow-up.
    expect(reply.followUpOf).toBe(number);
    expect(reply.ticket).toMatchObject({ status: 'new', followUpOf: number, description: 'Still broken!' });
  });
});

describe('solved tickets close after SOLVED_CLOSE_DAYS', () => {
  it('closes at the boundary from solvedAt, and a reply before it reopens', async () => {
    const test = await deskOf();
    const desk = workflowDesk(test);
    const solved = await ticketIn(desk, 'solved');
    const reopened = await ticketIn(desk, 'solved');
    const solvedAt = (await test.store.tickets.get(solved))!.solvedAt!.getTime();
    const job = deskJob('solved-close');
    test.clock.set(new Date(solvedAt + 4 * DAY_MS - 1));
    await addRequesterReply(desk, { number: reopened, text: 'It broke again', author: customer });
    await test.deskbolt.jobs.run(job);
    expect((await test.store.tickets.get(solved))!.status).toBe('solved');
    test.clock.set(new Date(solvedAt + 4 * DAY_MS));
    expect(await test.deskbolt.jobs.run(job)).toMatchObject({ result: { closed: 1 } });
    expect((await test.store.tickets.get(solved))!).toMatchObject({
      status: 'closed',
      closedAt: new Date(solvedAt + 4 * DAY_MS),
    });
    expect((await test.store.tickets.history(solved)).at(-1)).toMatchObject({
      action: 'status_changed',
      from: { status: 'solved' },
      to: { status: 'closed' },
    });
    expect((await test.store.tickets.get(reopened))!.status).toBe('open');
    // A reply now opens a follow-up instead of reopening.
    const late = await addRequesterReply(desk, { number: solved, text: 'One more thing', author: customer });
    expect(late).toMatchObject({ ok: true, followUpOf: solved });
  });

  it('leaves tickets solved more recently for a later run', async () => {
    const store = await openTestStore('solvedlate');
    open.push(store);
    const test = await deskOf({ store });
    const desk = workflowDesk(test);
    await ticketIn(desk, 'solved');
    test.clock.advance(2 * DAY_MS);
    expect(await closeSolved(desk, new Date(desk.clock().getTime() + 2 * DAY_MS - 1))).toMatchObject({ closed: 0 });
  });
});

describe.each(conditionalWriteModes())('a batch of closes (%s)', (conditionalWrites) => {
  async function pendingDesk(label: string, count: number) {
    const store = await openTestStore(label, { conditionalWrites });
    open.push(store);
    const desk = testDesk(store);
    const numbers: number[] = [];
    for (let i = 0; i < count; i++) numbers.push(await ticketIn(desk, 'pending'));
    desk.testClock.advance(3 * DAY_MS);
    return { store, desk, numbers };
  }

  /** The desk with `meanwhile` run once between the batch's read of its candidates and its close. */
  function racing(desk: Desk, meanwhile: () => Promise<void>): Desk {
    const tickets = desk.store.tickets;
    const candidates = tickets.pendingSinceAtOrBefore.bind(tickets);
    let raced = false;
    return {
      ...desk,
      store: Object.assign(Object.create(desk.store), {
        tickets: Object.assign(Object.create(tickets), {
          async pendingSinceAtOrBefore(...args: Parameters<typeof candidates>) {
            const read = await candidates(...args);
            if (!raced && read.length > 0) {
              raced = true;
              await meanwhile();
            }
            return read;
          },
        }),
      }),
    };
  }

  it("a requester reply landing between the batch's read and its close wins: that ticket stays open, the rest close", async () => {
    const { store, desk, numbers } = await pendingDesk('batchrace', 4);
    const replied = numbers[2]!;
    const result = await closeStalePending(
      racing(desk, async () => {
        const reply = await addRequesterReply(desk, { number: replied, text: 'Here is the receipt', author: customer });
        expect(reply).toMatchObject({ ok: true, ticket: { number: replied, status: 'open' } });
      }),
      desk.clock(),
    );
    await desk.settled();
    expect(result).toMatchObject({ closed: 3, skipped: 1 });
    expect((await store.tickets.get(replied))!.status).toBe('open');
    expect((await store.tickets.history(replied)).map((event) => event.action)).not.toContain('auto_closed');
    expect(await store.tickets.comment(closingNoteId(replied))).toBeNull();
    for (const number of numbers.filter((number) => number !== replied)) {
      expect(await store.tickets.get(number)).toMatchObject({ status: 'closed' });
      expect((await store.tickets.history(number)).filter((event) => event.action === 'auto_closed')).toHaveLength(1);
      expect(await store.tickets.comments(number, { kinds: ['public'] })).toHaveLength(1);
    }
    // A reply after the close finds it closed and opens a follow-up, as ever.
    const late = await addRequesterReply(desk, { number: numbers[0]!, text: 'One more thing', author: customer });
    expect(late).toMatchObject({ ok: true, followUpOf: numbers[0] });
  });

  it('a batch where some tickets no longer meet the condition closes the others', async () => {
    const { store, desk, numbers } = await pendingDesk('batchmixed', 5);
    const [reopened, askedAgain, solved] = numbers;
    const agent: Actor = { kind: 'agent', id: people.ana };
    const result = await closeStalePending(
      racing(desk, async () => {
        const now = desk.clock();
        await changeTicket(
          desk,
          reopened!,
          {},
          { status: 'open' },
          ticketEvent('status_changed', customer, now, { from: { status: 'pending' }, to: { status: 'open' } }),
          now,
        );
        await changeTicket(
          desk,
          askedAgain!,
          {},
          { pendingSince: now },
          ticketEvent('replied', agent, now, { to: { commentId: 'not-delivered' } }),
          now,
        );
        await changeTicket(
          desk,
          solved!,
          {},
          { status: 'solved', solvedAt: now },
          ticketEvent('status_changed', agent, now, { from: { status: 'pending' }, to: { status: 'solved' } }),
          now,
        );
      }),
      desk.clock(),
    );
    await desk.settled();
    expect(result).toMatchObject({ closed: 2, skipped: 3, stoppedEarly: false });
    expect((await store.tickets.getMany(numbers)).map((ticket) => ticket.status)).toEqual([
      'open',
      'pending',
      'solved',
      'closed',
      'closed',
    ]);
    for (const number of numbers) {
      const closedHere = number === numbers[3] || number === numbers[4];
      expect((await store.tickets.history(number)).filter((event) => event.action === 'auto_closed')).toHaveLength(
        closedHere ? 1 : 0,
      );
      expect(await store.tickets.comments(number, { kinds: ['public'] })).toHaveLength(closedHere ? 1 : 0);
    }
  });

  it('costs a few database commands per batch, not a few per ticket', async () => {
    const { store, desk, numbers } = await pendingDesk('batchcost', 20);
    let commands = 0;
    const stop = store.commands.watch(() => void commands++);
    try {
      expect(await closeStalePending(desk, desk.clock(), { batchSize: 20 })).toMatchObject({ closed: 20 });
      await desk.settled();
    } finally {
      stop();
    }
    for (const number of numbers) expect(await store.tickets.get(number)).toMatchObject({ status: 'closed' });
    // The notes an older version left due, the candidates, their requesters (the note's wording), the
    // close (a read and a write), the next candidates, and the hand-out (a read, the history, the notes,
    // the outboxes' read and write): each once.
    expect(commands).toBeLessThanOrEqual(11);
  });
});
