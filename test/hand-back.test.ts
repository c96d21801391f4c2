import { afterEach, describe, expect, it } from 'vitest';
import { actionIds, replyFields } from '../blocks/ids.js';
import { HOUR_MS, MINUTE_MS } from '../src/clock.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import { handBackUnactedTickets } from '../src/tickets/hand-back.js';
import type { Workspace } from '../src/workspace/schema.js';
import { fileTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { channels, people, testWorkspace } from './support/workspace.js';

const handBack = deskJob('hand-back');
const open: TestDesk[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

function handingBackWorkspace(to: 'queue' | 'previous'): Workspace {
  return testWorkspace({
    groups: [
      {
        name: 'Billing',
        id: 10,
        alertChannel: channels.billingAlerts,
        intakeChannels: [channels.billingIntake],
        handBack: { afterMinutes: 30, to },
      },
      { name: 'PayOps', id: 20, alertChannel: channels.payopsAlerts },
    ],
  });
}

async function deskOf(to: 'queue' | 'previous', options: Parameters<typeof startTestDesk>[0] = {}): Promise<TestDesk> {
  const test = await startTestDesk({ workspace: handingBackWorkspace(to), ...options });
  open.push(test);
  return test;
}

async function command(test: TestDesk, user: string, text: string): Promise<string> {
  await test.slack.command(user, '/ticket', text);
  await test.settled();
  return String(test.fake.responses().at(-1)!.body.text);
}

/** The lead gives a new ticket to Ben (taken by Ana first, when she is to be its previous owner). */
async function givenToBen(test: TestDesk, options: { fromAna?: boolean } = {}): Promise<number> {
  const ticket = await fileTicket({ ...test.deskbolt.desk, testClock: test.clock });
  if (options.fromAna) await command(test, people.ana, `take ${ticket.number}`);
  expect(await command(test, people.lead, `assign ${ticket.number} <@${people.ben}|ben>`)).toContain(
    `#${ticket.number}`,
  );
  expect((await test.store.tickets.get(ticket.number))!.assignee).toBe(people.ben);
  return ticket.number;
}

async function note(test: TestDesk, agent: string, number: number, text: string): Promise<void> {
  await test.slack.blockAction(agent, { action_id: actionIds.note, value: String(number) });
  await test.settled();
  const view = test.fake.okCalls('views.open').at(-1)!.response.view;
  await test.slack.viewSubmission(agent, {
    id: view.id,
    callback_id: view.callback_id,
    private_metadata: view.private_metadata,
    state: viewStateFrom(view, { [replyFields.text]: text }),
  });
  await test.settled();
}

const dmTexts = (test: TestDesk, user: string, number: number) =>
  test.fake
    .dmsTo(user)
    .map((call) => String(call.args.text))
    .filter((text) => text.includes(`#${number} `) && text.includes(':leftwards_arrow_with_hook:'));

async function handedBackEvents(test: TestDesk, number: number) {
  return (await test.store.tickets.history(number)).filter((event) => event.action === 'handed_back');
}

describe('a ticket given to someone who does not act on it goes back to the queue', () => {
  it('after the set time and not before; a colleague’s note does not count; both told, the event by deskbolt, once', async () => {
    const test = await deskOf('queue');
    const number = await givenToBen(test);
    const givenAt = test.clock.now().getTime();
    test.clock.advance(10 * MINUTE_MS);
    await note(test, people.ana, number, 'Ben, the customer called again.');

    test.clock.set(new Date(givenAt + 30 * MINUTE_MS - 1));
    await test.deskbolt.jobs.run(handBack);
    expect((await test.store.tickets.get(number))!.assignee).toBe(people.ben);

    test.clock.set(new Date(givenAt + 30 * MINUTE_MS));
    expect(await test.deskbolt.jobs.run(handBack)).toMatchObject({ result: { handedBack: 1 } });
    expect(await test.store.tickets.get(number)).toMatchObject({ assignee: null, status: 'open', handBackWatch: null });
    expect((await test.store.tickets.queue([10], 100)).map((ticket) => ticket.number)).toContain(number);
    expect(await handedBackEvents(test, number)).toMatchObject([
      {
        actor: { kind: 'system', name: 'deskbolt' },
        from: { assignee: people.ben },
        to: { assignee: null, via: 'queue', afterMs: 30 * MINUTE_MS },
      },
    ]);
    expect(dmTexts(test, people.ben, number)).toEqual([
      expect.stringContaining(`went back to Billing's queue: nothing was done on it within 30 minutes`),
    ]);
    const inChannel = test.fake
      .okCalls('chat.postMessage')
      .filter(
        (call) =>
          call.args.channel === channels.billingAlerts && String(call.args.text).includes('is back in the queue'),
      );
    expect(inChannel).toHaveLength(1);
    expect(inChannel[0]!.args.text).toContain(`<@${people.ben}> did not act on it within 30 minutes`);
    // The ticket's live message carries the line in its thread, as done by deskbolt.
    const line = test.fake
      .okCalls('chat.postMessage')
      .find((call) => String(call.args.text).includes('deskbolt handed it back to the queue'));
    expect(line?.args).toMatchObject({ channel: channels.billingAlerts, thread_ts: expect.any(String) });

    test.clock.advance(2 * HOUR_MS);
    await test.deskbolt.jobs.run(handBack);
    expect(await handedBackEvents(test, number)).toHaveLength(1);
    expect(dmTexts(test, people.ben, number)).toHaveLength(1);
  });

  it('an owner who notes, replies or changes the status in time keeps it; taking a ticket yourself is never watched', async () => {
    const test = await deskOf('queue');
    const noted = await givenToBen(test);
    test.clock.advance(29 * MINUTE_MS);
    await note(test, people.ben, noted, 'Looking into it.');
    const taken = (await fileTicket({ ...test.deskbolt.desk, testClock: test.clock })).number;
    await command(test, people.cho, `take ${taken}`);
    test.clock.advance(5 * HOUR_MS);
    expect(await test.deskbolt.jobs.run(handBack)).toMatchObject({ result: { handedBack: 0 } });
    expect((await test.store.tickets.get(noted))!).toMatchObject({ assignee: people.ben, handBackWatch: null });
    expect((await test.store.tickets.get(taken))!.assignee).toBe(people.cho);
    expect(await handedBackEvents(test, noted)).toEqual([]);
  });

  it('two replicas sweeping at the same moment hand it back once', async () => {
    const test = await deskOf('queue');
    const other = await deskOf('queue', { store: test.store, fake: test.fake, clock: test.clock });
    const number = await givenToBen(test);
    test.clock.advance(HOUR_MS);
    await Promise.all([
      handBackUnactedTickets(test.deskbolt.desk, test.clock.now()),
      handBackUnactedTickets(other.deskbolt.desk, test.clock.now()),
    ]);
    await Promise.all([test.settled(), other.settled()]);
    expect(await handedBackEvents(test, number)).toHaveLength(1);
    expect(dmTexts(test, people.ben, number)).toHaveLength(1);
  });
});

describe('a group that hands back to the previous owner', () => {
  it('gives it back to who had it, both told; the previous owner is not watched in turn', async () => {
    const test = await deskOf('previous');
    const number = await givenToBen(test, { fromAna: true });
    test.clock.advance(30 * MINUTE_MS);
    await test.deskbolt.jobs.run(handBack);
    expect((await test.store.tickets.get(number))!.assignee).toBe(people.ana);
    expect(await handedBackEvents(test, number)).toMatchObject([
      { from: { assignee: people.ben }, to: { assignee: people.ana, via: 'previous' } },
    ]);
    expect(dmTexts(test, people.ben, number)).toEqual([expect.stringContaining(`went back to <@${people.ana}>`)]);
    expect(dmTexts(test, people.ana, number)).toEqual([
      expect.stringContaining(`is yours again: <@${people.ben}> did not act on it within 30 minutes`),
    ]);
    test.clock.advance(5 * HOUR_MS);
    await test.deskbolt.jobs.run(handBack);
    expect((await test.store.tickets.get(number))!.assignee).toBe(people.ana);
  });

  it('a hand-over Ben accepted and then left: back to Ana, who asked for it', async () => {
    const test = await deskOf('previous');
    const ticket = await fileTicket({ ...test.deskbolt.desk, testClock: test.clock });
    await command(test, people.ana, `take ${ticket.number}`);
    expect(await command(test, people.ana, `assign ${ticket.number} <@${people.ben}|ben>`)).toContain(
      `Asked <@${people.ben}> to take over #${ticket.number}`,
    );
    const handoff = (await test.store.assignments.waitingHandoffOf(ticket.number))!;
    const [place] = handoff.offers;
    await test.slack.blockAction(
      people.ben,
      { action_id: actionIds.acceptHandoff, value: handoff.id },
      { channel: place!.channel, message: { ts: place!.ts } },
    );
    await test.settled();
    expect((await test.store.tickets.get(ticket.number))!.assignee).toBe(people.ben);
    test.clock.advance(30 * MINUTE_MS);
    await test.deskbolt.jobs.run(handBack);
    expect((await test.store.tickets.get(ticket.number))!.assignee).toBe(people.ana);
    expect(await handedBackEvents(test, ticket.number)).toMatchObject([
      { from: { assignee: people.ben }, to: { assignee: people.ana, via: 'previous' } },
    ]);
  });

  it('a ticket that had no owner before goes to the queue', async () => {
    const test = await deskOf('previous');
    const number = await givenToBen(test);
    test.clock.advance(30 * MINUTE_MS);
    await test.deskbolt.jobs.run(handBack);
    expect(await handedBackEvents(test, number)).toMatchObject([{ to: { assignee: null, via: 'queue' } }]);
  });
});
