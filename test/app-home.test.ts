import { describe, expect, it } from 'vitest';
import { actionIds } from '../blocks/ids.js';
import { availabilityOf } from '../src/chats/availability.js';
import { ticketEvent } from '../src/events/ticket-events.js';
import { HOME_QUEUE_READ, HOME_WORK_READ } from '../src/homes/home.js';
import { openTicket } from '../src/tickets/intake.js';
import type { Ticket, TicketStatus } from '../src/tickets/types.js';
import { chatSteps } from './support/chats.js';
import { changeTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { expectHomeReadModelsMatchTickets } from './support/read-models.js';
import { seedTickets } from './support/seed.js';
import { useTestDesk } from './support/use-test-desk.js';
import { people } from './support/workspace.js';

/** The App Home: what each person sees when they open the tab, and after something of theirs changes. */
describe('App Home', () => {
  const desk = useTestDesk({ afterSettled: expectHomeReadModelsMatchTickets });

  /** The steps of these stories on a desk: the shared one, or one a test keeps to itself. */
  function homeSteps(on: TestDesk) {
    async function file(
      subject: string,
      overrides: { requester?: Ticket['requester']; groupId?: number } = {},
    ): Promise<Ticket> {
      on.clock.advance(60_000);
      const result = await openTicket(
        on.deskbolt.desk,
        {
          subject,
          requester: overrides.requester ?? { kind: 'slack', userId: people.customer },
          groupId: overrides.groupId ?? 10,
        },
        { actor: { kind: 'requester', id: people.customer }, channel: 'slack', source: { kind: 'dm' } },
      );
      if (!result.ok) throw new Error(JSON.stringify(result));
      return result.ticket;
    }

    async function give(ticket: Ticket, agent: string, status: TicketStatus) {
      const now = on.clock.now();
      await changeTicket(
        on.deskbolt.desk,
        ticket.number,
        {},
        { assignee: agent, status, ...(status === 'solved' ? { solvedAt: now } : {}) },
        status === 'solved'
          ? ticketEvent('status_changed', { kind: 'agent', id: agent }, now, {
              from: { status: ticket.status },
              to: { status },
            })
          : ticketEvent('taken', { kind: 'agent', id: agent }, now, {
              from: { assignee: null },
              to: { assignee: agent, status: 'open' },
            }),
        now,
      );
    }

    function published(user: string) {
      const call = on.fake
        .okCalls('views.publish')
        .filter((c) => c.args.user_id === user)
        .at(-1);
      expect(call, `a home was published for ${user}`).toBeDefined();
      return { view: on.fake.homeView(user)!, text: JSON.stringify(call!.args.view.blocks) };
    }

    async function openHome(user: string) {
      const answer = await on.slack.event({ type: 'app_home_opened', user, tab: 'home' });
      expect(answer.status).toBe(200);
      await on.settled();
      return published(user);
    }

    return { file, give, openHome, published };
  }

  const file: ReturnType<typeof homeSteps>['file'] = (...args) => homeSteps(desk).file(...args);
  const give: ReturnType<typeof homeSteps>['give'] = (...args) => homeSteps(desk).give(...args);
  const openHome: ReturnType<typeof homeSteps>['openHome'] = (...args) => homeSteps(desk).openHome(...args);
  const published: ReturnType<typeof homeSteps>['published'] = (...args) => homeSteps(desk).published(...args);

  it('tells someone who is not an agent what deskbolt is and how to open a ticket', async () => {
    const { view, text } = await openHome(people.customer);
    expect(view.type).toBe('home');
    expect(text).toContain('/ticket new');
    expect(text).toContain('direct message');
    expect(text).not.toContain('Your open tickets');
  });

  it('shows an agent their open and pending tickets, their views with the oldest wait, their week and availability', async () => {
    // One agent's counts and availability: on a desk of its own, so no other story's tickets or chats are in them.
    const own = await startTestDesk({ afterSettled: expectHomeReadModelsMatchTickets });
    try {
      const { file, give, openHome } = homeSteps(own);
      const mine = await file('Refund for order 77');
      await give(mine, people.ana, 'open');
      const waiting = await file('Card declined at checkout');
      const pending = await file('Need the invoice copy');
      await give(pending, people.ana, 'pending');
      const done = await file('Password reset');
      await give(done, people.ana, 'solved');
      own.clock.advance(30 * 60_000);

      const { view, text } = await openHome(people.ana);
      expect(view.blocks.length).toBeLessThanOrEqual(100);
      expect(text).toContain('Hi Ana');
      expect(text).toContain('*Your open tickets* (1)');
      expect(text).toContain(`*#${mine.number}* Refund for order 77`);
      expect(text).toContain('*Waiting on the requester* (1 pending)');
      expect(text).toContain(`*#${pending.number}*`);
      expect(text).not.toContain(`*#${waiting.number}*`);
      // The only unassigned Billing ticket is "Card declined", filed 32 minutes before now.
      expect(text).toMatch(/\*Billing\* — 1 unassigned, oldest waiting 32 min/);
      expect(text).toContain('*Solved*\\n1');
      expect(text).toContain('You are *offline*');
      expect(text).toContain(`${actionIds.homeAvailability}_online`);
      expect(text).not.toContain('Your team');
    } finally {
      await own.close();
    }
  });

  it('lists an agent’s first open tickets and counts them all, and counts a short list by listing it', async () => {
    for (let index = 0; index < 12; index++) await give(await file(`Chargeback ${index}`), people.cho, 'open');
    await give(await file('Wire held at the bank'), people.cho, 'pending');
    const { text } = await openHome(people.cho);
    expect(text).toContain('*Your open tickets* (12)');
    expect(text).toContain('…and 2 more');
    expect(text).toContain('*Waiting on the requester* (1 pending)');
  });

  it('republishes the agent’s home after they take a ticket, without the tab being opened', async () => {
    const ticket = await file('VPN drops hourly');
    await desk.slack.command(people.ben, '/ticket', `take ${ticket.number}`);
    await desk.settled();
    const { text } = published(people.ben);
    expect(text).toContain(`*#${ticket.number}* VPN drops hourly`);
  });

  it('toggles availability from the home and shows it on the lead’s team list', async () => {
    const { view } = await openHome(people.cho);
    await desk.slack.blockAction(
      people.cho,
      { action_id: `${actionIds.homeAvailability}_online`, value: 'online' },
      { view },
    );
    await desk.settled();
    expect(await availabilityOf(desk.deskbolt.desk, people.cho)).toBe('online');
    expect(published(people.cho).text).toContain('You are *online*');
    expect(published(people.lead).text).toContain(`:large_green_circle: *Cho* (<@${people.cho}>)`);

    await desk.slack.blockAction(
      people.cho,
      { action_id: `${actionIds.homeAvailability}_away`, value: 'away' },
      { view: desk.fake.homeView(people.cho) },
    );
    await desk.settled();
    expect(await availabilityOf(desk.deskbolt.desk, people.cho)).toBe('away');
    expect(published(people.lead).text).toContain(`:large_yellow_circle: *Cho* (<@${people.cho}>)`);
  });

  it('searches by number, requester email and words of the subject, literally', async () => {
    const refund = await file('Refund (partial) for order 88');
    const emailed = await file('Wrong VAT', { requester: { kind: 'email', email: 'vat@example.com', name: 'Val' } });
    await file('abc plan question');
    const { view } = await openHome(people.ana);
    const search = async (value: string) => {
      await desk.slack.blockAction(people.ana, { action_id: actionIds.homeSearch, value }, { view });
      await desk.settled();
      return published(people.ana).text;
    };
    expect(await search('refund (PARTIAL)')).toContain(`*#${refund.number}* Refund (partial) for order 88`);
    expect(await search(`#${emailed.number}`)).toContain(`*#${emailed.number}* Wrong VAT`);
    expect(await search('vat@example.com')).toContain(`*#${emailed.number}*`);
    // Regular-expression characters are text: "a.c" does not match "abc", and "(.*" is not an error.
    expect(await search('a.c')).toContain('Nothing found for “a.c”');
    expect(await search('(.*')).toContain('Nothing found');
    expect(await search('{"$gt":""}')).toContain('Nothing found');
    expect(await search('x'.repeat(201))).toContain('at most 200 characters');
  });

  it('lists and counts the tickets of an agent with more than one read of them takes', async () => {
    // A desk of its own: the counts are exactly what this test gave out.
    const own = await startTestDesk({ afterSettled: expectHomeReadModelsMatchTickets });
    try {
      const { openHome } = homeSteps(own);
      // Seeded in one insert: the Home's reads are the story here, not filing two hundred tickets.
      const now = own.clock.now().getTime();
      const pending = await seedTickets(
        own.store,
        Array.from({ length: 3 }, (_, index) => ({
          number: 50_000 + index,
          subject: `Waiting ${index}`,
          status: 'pending' as const,
          assignee: people.ben,
          createdAt: new Date(now - 60_000 * (300 - index)),
        })),
      );
      const open = await seedTickets(
        own.store,
        Array.from({ length: HOME_WORK_READ + 5 }, (_, index) => ({
          number: 51_000 + index,
          subject: `Open ${index}`,
          status: 'open' as const,
          assignee: people.ben,
          createdAt: new Date(now - 60_000 * (250 - index)),
        })),
      );
      const newest = open.at(-1)!;
      // Written straight into the collection, as an import would: the read models are rebuilt, as after one.
      await own.store.rebuildReadModels();
      const { text } = await openHome(people.ben);
      expect(text).toContain(`*Your open tickets* (${HOME_WORK_READ + 5})`);
      expect(text).toContain(`*#${newest.number}* Open ${HOME_WORK_READ + 4}`);
      expect(text).toContain('*Waiting on the requester* (3 pending)');
      for (const ticket of pending) expect(text).toContain(`*#${ticket.number}* Waiting`);
    } finally {
      await own.close();
    }
  });

  it('counts a queue longer than one read of it takes, and shows its oldest wait', async () => {
    const own = await startTestDesk({ afterSettled: expectHomeReadModelsMatchTickets });
    try {
      const { openHome } = homeSteps(own);
      // Filed long ago by a bridge, seeded in one insert: only their queue fields matter here.
      const now = own.clock.now().getTime();
      await seedTickets(
        own.store,
        Array.from({ length: HOME_QUEUE_READ + 5 }, (_, index) => ({
          number: 50_000 + index,
          subject: `Backlog ${index}`,
          createdAt: new Date(now - (3 * 60 + index) * 60_000),
          updatedAt: new Date(now),
        })),
      );
      // Written straight into the collection, as an import would: the read models are rebuilt, as after one.
      await own.store.rebuildReadModels();
      const { text } = await openHome(people.ana);
      const oldestHours = Math.floor((3 * 60 + HOME_QUEUE_READ + 4) / 60);
      expect(text).toMatch(
        new RegExp(`\\*Billing\\* — ${HOME_QUEUE_READ + 5} unassigned, oldest waiting ${oldestHours} h`),
      );
    } finally {
      await own.close();
    }
  });

  it('shows a lead each team member’s open tickets, counted for the whole team at once', async () => {
    // A desk of its own: the counts are exactly what this test gave out.
    const own = await startTestDesk({ afterSettled: expectHomeReadModelsMatchTickets });
    try {
      const { file, give, openHome } = homeSteps(own);
      await give(await file('Refund for order 77'), people.ana, 'open');
      await give(await file('Card declined'), people.ana, 'open');
      await give(await file('Invoice copy'), people.ana, 'pending');
      await give(await file('Password reset'), people.cho, 'open');
      const { text } = await openHome(people.lead);
      expect(text).toContain(`*Ana* (<@${people.ana}>) — 2 open`);
      expect(text).toContain(`*Cho* (<@${people.cho}>) — 1 open`);
      expect(text).toContain(`*Ben* (<@${people.ben}>) — 0 open`);
    } finally {
      await own.close();
    }
  });

  it('shows a lead their team with load, the group’s week, and the chat transfers waiting for them', async () => {
    const { text } = await openHome(people.lead);
    expect(text).toContain('Your team');
    for (const name of ['Ana', 'Ben', 'Cho', 'Lee']) expect(text).toContain(`*${name}*`);
    expect(text).not.toContain('*Pat*'); // PayOps only: not in the lead's groups
    expect(text).toMatch(/\*Ana\* \(<@UANA0001>\) — \d+ open/);
    expect(text).toContain('Your groups, last 7 days');
    expect(text).not.toContain('Transfer requests');

    const steps = chatSteps(desk);
    await steps.status(people.lead, 'online');
    const chat = await steps.liveChat('UHOMEREQ1', people.ana);
    await desk.slack.command(people.ana, '/ticket', `transfer ${chat.ticketNumber} @lee`);
    await desk.settled();
    const withTransfers = await openHome(people.lead);
    expect(withTransfers.text).toContain('*Transfer requests waiting for you* (1)');
    expect(withTransfers.text).toContain(`<@${people.ana}> asks you to take chat #${chat.ticketNumber}`);
  });

  it('puts a live chat waiting in the agent’s groups at the top of their home, with Accept', async () => {
    const chat = await chatSteps(desk).startByDm('UHOMEWAIT1', 'My payment page is blank');
    const { text } = await openHome(people.ben);
    expect(text).toContain('*Chats waiting for an agent* (1)');
    expect(text).toContain(`*#${chat.ticketNumber}* · Billing`);
    expect(text).toContain(actionIds.acceptChat);
    expect(text.indexOf('Chats waiting for an agent')).toBeLessThan(text.indexOf('Your open tickets'));
    await chatSteps(desk).accept(people.ben, chat);
    expect((await openHome(people.ben)).text).toContain('No chat is waiting in your groups.');
  });

  it('stays within Slack’s 100 blocks however many tickets an agent has', async () => {
    // Forty tickets Pat already has, written straight into the database: this test is about the home's size.
    const first = (await desk.store.tickets.nextNumber()) + 1;
    const at = desk.clock.now();
    const tickets = Array.from({ length: 40 }, (_, i) => ({
      _id: String(first + i),
      number: first + i,
      subject: i < 25 ? `Bulk ${i}` : `Bulk pending ${i}`,
      description: '',
      requester: { kind: 'slack', userId: people.customer },
      status: i < 25 ? 'open' : 'pending',
      assignee: people.payops,
      groupId: 20,
      priority: 'normal',
      form: {},
      channel: 'slack',
      source: { kind: 'api' },
      createdAt: at,
      updatedAt: at,
      pendingSince: i < 25 ? null : at,
      solvedAt: null,
      closedAt: null,
      mergedInto: null,
      version: 1,
      outbox: [],
    }));
    await desk.store.models.Counter.updateOne({ _id: 'ticket' }, { $inc: { seq: 40 } });
    await desk.store.models.Ticket.collection.insertMany(tickets as never[]);
    await desk.store.rebuildReadModels();
    const { view, text } = await openHome(people.payops);
    expect(desk.fake.calls('views.publish').filter((c) => !c.ok)).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(text).toContain('*Your open tickets* (25)');
    expect(text).toContain('…and 15 more');
    expect(text).toContain('…and 5 more.');
  });

  it('opens a ticket from the home in a modal', async () => {
    const ticket = await file('Open me from home');
    await give(ticket, people.ana, 'open');
    const { view } = await openHome(people.ana);
    await desk.slack.blockAction(
      people.ana,
      {
        action_id: actionIds.homeOpen,
        value: String(ticket.number),
        block_id: view.blocks.find((b: any) => JSON.stringify(b).includes('Open me from home')).block_id,
      },
      { view },
    );
    await desk.settled();
    const modal = desk.fake.okCalls('views.open').at(-1)!.args.view;
    expect(modal.title.text).toBe(`Ticket #${ticket.number}`);
    expect(JSON.stringify(modal.blocks)).toContain('Open me from home');
  });
});
