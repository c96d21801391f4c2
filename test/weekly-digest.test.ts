import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../src/clock.js';
import { ticketEvent } from '../src/events/ticket-events.js';
import { FakeSlack } from '../src/fake-slack/server.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import type { Store } from '../src/store/store.js';
import type { Desk } from '../src/tickets/desk.js';
import type { Actor, TicketStatus } from '../src/tickets/types.js';
import { lastMondayNine } from '../src/tickets/weekly-digest.js';
import { TestClock } from './support/clock.js';
import { openTestStore } from './support/database.js';
import { changeTicket, fileTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people, testWorkspace } from './support/workspace.js';

const digestJob = deskJob('weekly-digest');
const agent = (id: string): Actor => ({ kind: 'agent', id });
const requester: Actor = { kind: 'requester', id: people.customer };

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

async function setStatus(desk: Desk, number: number, by: string, status: TicketStatus) {
  const now = desk.clock();
  await changeTicket(
    desk,
    number,
    {},
    { status, assignee: by, ...(status === 'solved' ? { solvedAt: now } : {}) },
    { actor: agent(by), action: 'status_changed', from: { status: 'open' }, to: { status }, at: now },
    now,
  );
}

async function rate(desk: Desk, number: number, rating: 'good' | 'bad') {
  const now = desk.clock();
  await changeTicket(
    desk,
    number,
    {},
    {},
    ticketEvent('satisfaction_rated', requester, now, { to: { rating, solve: 1, agent: null } }),
    now,
  );
}

/** The week before Monday 2026-11-09: Ana solves two (one rated good, one bad), Ben one; Cho holds one open; two wait. */
async function aWeekOfWork(desk: Desk & { testClock: TestClock }) {
  desk.testClock.set('2026-10-29T10:00:00Z'); // before the window: not counted
  const old = await fileTicket(desk);
  await setStatus(desk, old.number, people.ana, 'solved');
  desk.testClock.set('2026-11-03T10:00:00Z');
  const [a1, a2, b1, c1] = [
    await fileTicket(desk),
    await fileTicket(desk),
    await fileTicket(desk),
    await fileTicket(desk),
  ];
  await setStatus(desk, a1!.number, people.ana, 'solved');
  await setStatus(desk, a2!.number, people.ana, 'solved');
  await setStatus(desk, b1!.number, people.ben, 'solved');
  await setStatus(desk, c1!.number, people.cho, 'open');
  await rate(desk, a1!.number, 'good');
  await rate(desk, a2!.number, 'bad');
  const waiting = [await fileTicket(desk), await fileTicket(desk)];
  return { openOfCho: c1!.number, waiting: waiting.map((ticket) => ticket.number) };
}

function digestsTo(fake: FakeSlack, user: string) {
  return fake.dmsTo(user);
}

async function deskOf(
  options: { store?: Store; fake?: FakeSlack; clock?: TestClock; leadTimeZone?: string } = {},
): Promise<TestDesk> {
  const workspace = options.leadTimeZone
    ? testWorkspace({
        agents: testWorkspace().agents.map((person) =>
          person.user === people.lead ? { ...person, timeZone: options.leadTimeZone } : person,
        ),
      })
    : testWorkspace();
  const test = await startTestDesk({ ...options, workspace });
  open.push(test);
  return test;
}

describe('the weekly digest to each team lead', () => {
  it("arrives Monday 09:00 in the lead's DM, once, with per-agent solved, satisfaction and open work and the oldest waiting", async () => {
    const test = await deskOf();
    const desk = { ...test.deskbolt.desk, testClock: test.clock };
    const week = await aWeekOfWork(desk);
    await test.settled();
    test.fake.clearCalls();

    test.clock.set('2026-11-09T08:59:59.999Z');
    expect(await test.deskbolt.jobs.run(digestJob)).toMatchObject({ ran: true, result: { due: [] } });
    test.clock.set('2026-11-09T09:00:00Z');
    expect(await test.deskbolt.jobs.run(digestJob)).toMatchObject({ ran: true, result: { due: [people.lead] } });

    const sent = digestsTo(test.fake, people.lead);
    expect(sent).toHaveLength(1);
    const sections: string[] = sent[0]!.args.blocks
      .filter((block: any) => block.type === 'section')
      .map((block: any) => block.text.text);
    expect(sections.find((text) => text.startsWith('*Ana*'))).toContain(
      '2 solved · :thumbsup: 1 good · :thumbsdown: 1 bad',
    );
    expect(sections.find((text) => text.startsWith('*Ben*'))).toContain(
      '1 solved · :thumbsup: 0 good · :thumbsdown: 0 bad',
    );
    expect(sections.find((text) => text.startsWith('*Cho*'))).toContain(`1 open, oldest #${week.openOfCho}`);
    const waiting = sections.find((text) => text.startsWith('*Oldest waiting*'))!;
    expect(waiting).toContain('(2 in all)');
    expect(waiting.indexOf(`#${week.waiting[0]}`)).toBeLessThan(waiting.indexOf(`#${week.waiting[1]}`));
    // Nobody who is not a lead gets one.
    expect(test.fake.okCalls('chat.postMessage')).toHaveLength(1);

    test.clock.advance(15 * MINUTE_MS);
    expect(await test.deskbolt.jobs.run(digestJob)).toMatchObject({ result: { due: [] } });
    test.clock.set('2026-11-16T09:00:00Z');
    expect(await test.deskbolt.jobs.run(digestJob)).toMatchObject({ result: { due: [people.lead] } });
    expect(digestsTo(test.fake, people.lead)).toHaveLength(2);
  });

  it("follows the lead's own time zone", async () => {
    const test = await deskOf({ leadTimeZone: 'America/New_York' });
    test.clock.set('2026-11-09T09:00:00Z');
    expect(await test.deskbolt.jobs.run(digestJob)).toMatchObject({ result: { due: [] } });
    test.clock.set('2026-11-09T13:59:00Z');
    expect(await test.deskbolt.jobs.run(digestJob)).toMatchObject({ result: { due: [] } });
    test.clock.set('2026-11-09T14:00:00Z'); // 09:00 EST
    expect(await test.deskbolt.jobs.run(digestJob)).toMatchObject({ result: { due: [people.lead] } });
  });

  it('two replicas ticking at the same moment send it once', async () => {
    const store = await openTestStore('digest2');
    open.push(store);
    const fake = await FakeSlack.start();
    open.push(fake);
    const clock = new TestClock('2026-11-09T09:00:00Z');
    const [a, b] = [await deskOf({ store, fake, clock }), await deskOf({ store, fake, clock })];
    await Promise.all([a.deskbolt.jobs.run(digestJob), b.deskbolt.jobs.run(digestJob)]);
    // Even a second run that got past the lease finds the week's marker taken.
    await b.deskbolt.jobs.run(digestJob);
    expect(digestsTo(fake, people.lead)).toHaveLength(1);
  });

  it('a failed send is tried again on the next tick', async () => {
    const test = await deskOf();
    test.clock.set('2026-11-09T09:00:00Z');
    test.fake.failNext('chat.postMessage', 'ratelimited');
    expect(await test.deskbolt.jobs.run(digestJob)).toMatchObject({ result: { due: [people.lead] } });
    expect(digestsTo(test.fake, people.lead)).toHaveLength(0);
    test.clock.advance(15 * MINUTE_MS);
    expect(await test.deskbolt.jobs.run(digestJob)).toMatchObject({ result: { due: [people.lead] } });
    expect(digestsTo(test.fake, people.lead)).toHaveLength(1);
  });

  it('is not sent days late: a desk started on Wednesday waits for next Monday', async () => {
    const test = await deskOf();
    test.clock.set('2026-11-11T12:00:00Z');
    expect(await test.deskbolt.jobs.run(digestJob)).toMatchObject({ result: { due: [] } });
  });

  it('counts a week across a daylight-saving change from the right Monday 09:00', () => {
    // Europe/Berlin moved to summer time on Sunday 2026-03-29.
    expect(lastMondayNine(new Date('2026-04-01T12:00:00Z'), 'Europe/Berlin')).toEqual({
      at: new Date('2026-03-30T07:00:00Z'),
      week: '2026-03-30',
    });
    expect(lastMondayNine(new Date('2026-03-30T06:59:59Z'), 'Europe/Berlin')).toEqual({
      at: new Date('2026-03-23T08:00:00Z'),
      week: '2026-03-23',
    });
    expect(lastMondayNine(new Date('2026-11-09T09:00:00Z'), 'UTC').at).toEqual(new Date('2026-11-09T09:00:00Z'));
    expect(lastMondayNine(new Date('2026-11-09T08:00:00Z'), 'Asia/Kolkata').at).toEqual(
      new Date('2026-11-09T03:30:00Z'),
    );
  });
});
