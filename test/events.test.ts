import { describe, expect, it } from 'vitest';
import { actionIds, escalationFields } from '../blocks/ids.js';
import { ticketEvent } from '../src/events/ticket-events.js';
import type { TicketNotice } from '../src/events/types.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import { takeTicket } from '../src/tickets/take.js';
import { chatSteps } from './support/chats.js';
import { openTestStore } from './support/database.js';
import { fileTicket, testDesk } from './support/desk.js';
import { startTestDesk } from './support/harness.js';
import { useTestDesk } from './support/use-test-desk.js';
import { people } from './support/workspace.js';

/**
 * Workflows say what happened; the notifiers subscribed to it decide who is told. These tests hold
 * the dispatcher to its promises and the homes to the events that change them.
 */
describe('events are handed out after the change, in order, and never lost', () => {
  it('a subscriber sees each event once, in the order it happened, with the ticket as it is after the workflow', async () => {
    const store = await openTestStore('events-order');
    try {
      const desk = testDesk(store);
      const seen: TicketNotice[] = [];
      desk.events.subscribe({ name: 'recorder', everyEvent: async (notice) => void seen.push(notice) });
      const ticket = await fileTicket(desk);
      const taken = await takeTicket(desk, { number: ticket.number, agent: people.ana });
      expect(taken.ok).toBe(true);
      await desk.settled();
      expect(seen.map((notice) => notice.event.action)).toEqual(['created', 'taken']);
      expect(seen[1]!.ticket).toMatchObject({ number: ticket.number, assignee: people.ana, status: 'open' });
      // The history has them, and the outbox is empty.
      expect((await store.tickets.history(ticket.number)).map((event) => event.action)).toEqual(['created', 'taken']);
      expect((await store.tickets.withOutbox(ticket.number))!.outbox).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('a request’s events go out once its work is done (its answer first), in order, even when the work fails', async () => {
    const store = await openTestStore('events-answer-first');
    try {
      const desk = testDesk(store);
      const heard: string[] = [];
      desk.events.subscribe({
        name: 'recorder',
        everyEvent: async ({ event }) => void heard.push(`${event.action} #${event.ticketNumber}`),
      });
      const first = await fileTicket(desk);
      await desk.settled();
      heard.length = 0;

      let second = first;
      await desk.events.answerFirst(async () => {
        await takeTicket(desk, { number: first.number, agent: people.ana });
        second = await fileTicket(desk);
        // Nothing has gone out while the request is at work, however long it takes.
        await desk.settled();
        expect(heard).toEqual([]);
      });
      await desk.settled();
      // Two tickets' events go out side by side: each once, in no promised order between them.
      expect([...heard].sort()).toEqual([`created #${second.number}`, `taken #${first.number}`]);

      heard.length = 0;
      let leftRunning: Promise<unknown> = Promise.resolve();
      let requestOver = () => {};
      const over = new Promise<void>((resolve) => (requestOver = resolve));
      await expect(
        desk.events.answerFirst(async () => {
          await takeTicket(desk, { number: second.number, agent: people.ben });
          // Work the request starts and does not wait for: it tells once the request is over, straight away.
          leftRunning = (async () => {
            await over;
            desk.events.ticketChanged((await fileTicket(desk)).number);
          })();
          throw new Error('the answer could not be sent');
        }),
      ).rejects.toThrow('the answer could not be sent');
      requestOver();
      await leftRunning;
      await desk.settled();
      // The failed request's event went out, and so did what its left-running work told afterwards.
      expect(heard).toContain(`taken #${second.number}`);
      expect(heard.filter((line) => line.startsWith('created #'))).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('a batch of tickets is handed out together, after earlier work on any of its tickets and before later work on each', async () => {
    const store = await openTestStore('events-batch');
    try {
      const desk = testDesk(store);
      const [a, b] = [(await fileTicket(desk)).number, (await fileTicket(desk)).number];
      await desk.settled();
      const told: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let reachedGate!: () => void;
      const atGate = new Promise<void>((resolve) => (reachedGate = resolve));
      desk.events.subscribe({
        name: 'recorder',
        events: {
          status_changed: async ({ event, ticket }) => {
            told.push(`${event.note} of #${ticket.number}`);
            if (event.note !== 'first') return;
            reachedGate();
            await gate;
            told.push('first done');
          },
        },
      });
      const change = (number: number, note: string) =>
        store.tickets.change(
          number,
          {},
          {},
          ticketEvent('status_changed', { kind: 'agent', id: people.ana }, desk.clock(), {
            from: { status: 'new' },
            to: { status: 'open' },
            note,
          }),
          desk.clock(),
        );
      await change(a, 'first');
      desk.events.ticketChanged(a);
      await atGate;
      await change(a, 'second');
      await change(b, 'second');
      desk.events.ticketsChanged([a, b]);
      await change(b, 'third');
      desk.events.ticketChanged(b);
      // Time enough for the batch and the later change to go out, were they not waiting their turn.
      for (let i = 0; i < 5; i++) await store.tickets.get(b);
      expect(told).toEqual([`first of #${a}`]);
      release();
      await desk.settled();
      expect(told.slice(0, 2)).toEqual([`first of #${a}`, 'first done']);
      expect(told.slice(2, 4).sort()).toEqual([`second of #${a}`, `second of #${b}`].sort());
      expect(told[4]).toBe(`third of #${b}`);
      for (const number of [a, b]) {
        expect((await store.tickets.withOutbox(number))!.outbox).toEqual([]);
        expect((await store.tickets.history(number)).filter((event) => event.action === 'status_changed')).toHaveLength(
          2,
        );
      }
    } finally {
      await store.close();
    }
  });

  it('a failing subscriber is logged and does not keep the others from hearing, nor the history from being written', async () => {
    const store = await openTestStore('events-fail');
    try {
      const desk = testDesk(store);
      const heard: string[] = [];
      desk.events.subscribe(
        { name: 'broken', everyEvent: async () => Promise.reject(new Error('Slack is down')) },
        { name: 'fine', everyEvent: async ({ event }) => void heard.push(event.action) },
      );
      const ticket = await fileTicket(desk);
      await desk.settled();
      expect(heard).toEqual(['created']);
      expect((await store.tickets.history(ticket.number)).map((event) => event.action)).toEqual(['created']);
    } finally {
      await store.close();
    }
  });

  it('events a process left in an outbox when it died are handed out by the sweep, once', async () => {
    const test = await startTestDesk();
    try {
      // A process that dies right after its write: the change is there, its events never went out.
      const heard: string[] = [];
      test.deskbolt.desk.events.ticketChanged = () => {};
      const ticket = await fileTicket({ ...test.deskbolt.desk, testClock: test.clock });
      expect((await test.store.tickets.withOutbox(ticket.number))!.outbox.map((event) => event.action)).toEqual([
        'created',
      ]);
      expect(test.fake.okCalls('chat.postMessage')).toEqual([]);

      // A new process on the same data: the sweep hands the leftovers out, and the alert is posted.
      const replica = await startTestDesk({ store: test.store, fake: test.fake, clock: test.clock });
      try {
        (replica.deskbolt.desk.events as unknown as { subscribe(s: unknown): void }).subscribe({
          name: 'ear',
          everyEvent: async ({ event }: TicketNotice) => void heard.push(event.action),
        });
        test.clock.advance(2 * 60_000);
        await replica.deskbolt.jobs.run(deskJob('sweep-leftovers'));
        expect(heard).toEqual(['created']);
        expect(
          test.fake
            .okCalls('chat.postMessage')
            .filter((call) => String(call.args.text).startsWith(`#${ticket.number} `)),
        ).toHaveLength(1);
        test.clock.advance(10 * 60_000);
        await replica.deskbolt.jobs.run(deskJob('sweep-leftovers'));
        expect(heard).toEqual(['created']);
      } finally {
        await replica.close();
      }
    } finally {
      await test.close();
    }
  });
});

describe('an App Home follows the events that change it', () => {
  const desk = useTestDesk();

  const lastHome = (user: string) =>
    JSON.stringify(
      desk.fake
        .okCalls('views.publish')
        .filter((call) => call.args.user_id === user)
        .at(-1)?.args.view.blocks ?? null,
    );

  it('after a transfer is accepted, both agents’ homes show who has the chat’s ticket now', async () => {
    const steps = chatSteps(desk);
    const chat = await steps.liveChat('UEVTREQ01', people.ana, 'Invoice question');
    await steps.status(people.ben, 'online');
    await desk.slack.command(people.ana, '/ticket', `transfer ${chat.ticketNumber} @ben`);
    await desk.settled();
    const request = (await desk.store.chats.openTransferOf(chat.ticketNumber))!;
    desk.fake.clearCalls();
    await desk.slack.blockAction(
      people.ben,
      { action_id: actionIds.acceptTransfer, value: request.id },
      { channel: desk.fake.dmChannelOf(people.ben) },
    );
    await desk.settled();
    expect(lastHome(people.ben)).toContain(`*#${chat.ticketNumber}*`);
    expect(lastHome(people.ana)).not.toBe('null');
    expect(lastHome(people.ana)).not.toContain(`*#${chat.ticketNumber}*`);
  });

  it('after an escalation, the agent who had the ticket sees it gone from their home', async () => {
    const ticket = await fileTicket(
      { ...desk.deskbolt.desk, testClock: desk.clock },
      { subject: 'Wire transfer stuck' },
    );
    await desk.slack.command(people.cho, '/ticket', `take ${ticket.number}`);
    await desk.settled();
    expect(lastHome(people.cho)).toContain(`*#${ticket.number}*`);
    await desk.slack.command(people.cho, '/ticket', `escalate ${ticket.number}`);
    await desk.settled();
    const modal = desk.fake.okCalls('views.open').at(-1)!.args.view;
    desk.fake.clearCalls();
    await desk.slack.viewSubmission(people.cho, {
      callback_id: modal.callback_id,
      private_metadata: modal.private_metadata,
      state: viewStateFrom(modal, {
        [escalationFields.group]: '20',
        [escalationFields.note]: 'Needs PayOps: the wire is held at the bank.',
      }),
    });
    await desk.settled();
    expect(lastHome(people.cho)).not.toBe('null');
    expect(lastHome(people.cho)).not.toContain(`*#${ticket.number}*`);
  });
});
