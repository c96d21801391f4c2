import { afterEach, describe, expect, it } from 'vitest';
import { actionIds } from '../blocks/ids.js';
import { HOUR_MS } from '../src/clock.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import { CLICK_MEMORY_MS } from '../src/slack/app.js';
import { fileTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { channels, people } from './support/workspace.js';

let test: TestDesk | undefined;
afterEach(async () => {
  await test?.close();
  test = undefined;
});

async function deskWithTicket() {
  test = await startTestDesk();
  const ticket = await fileTicket({ ...test.deskbolt.desk, testClock: test.clock });
  return { test, number: ticket.number };
}

describe('Slack delivers at least once; the desk acts once', () => {
  it('an event delivered three times (Slack retries with X-Slack-Retry-Num) is answered 200 each time and acted on once', async () => {
    test = await startTestDesk();
    const acted: string[] = [];
    test.deskbolt.slack.app.event('reaction_added', async ({ event }) => {
      acted.push(event.reaction);
    });
    const event = {
      type: 'reaction_added',
      user: people.customer,
      reaction: 'eyes',
      item: { type: 'message', channel: channels.billingAlerts, ts: '1700000000.000100' },
    };
    const answers = [
      await test.slack.event(event, { eventId: 'Ev0RETRY01' }),
      await test.slack.event(event, { eventId: 'Ev0RETRY01', retryNum: 1, retryReason: 'http_timeout' }),
      await test.slack.event(event, { eventId: 'Ev0RETRY01', retryNum: 2, retryReason: 'http_error' }),
    ];
    await test.settled();
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(acted).toEqual(['eyes']);
    // A different event is a different event.
    await test.slack.event(event, { eventId: 'Ev0OTHER02' });
    await test.settled();
    expect(acted).toEqual(['eyes', 'eyes']);
  });

  it('a double click on a button acts once; the same click after the window acts again', async () => {
    const { test, number } = await deskWithTicket();
    const click = () =>
      test.slack.blockAction(
        people.ana,
        { action_id: actionIds.take, value: String(number) },
        { channel: channels.billingAlerts, message: { ts: '1700000000.000100' } },
      );
    const [first, second] = await Promise.all([click(), click()]);
    await test.settled();
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(test.fake.responses().map((response) => response.body.text)).toEqual([`You took #${number}.`]);
    expect((await test.store.tickets.history(number)).filter((event) => event.action === 'taken')).toHaveLength(1);

    test.clock.advance(CLICK_MEMORY_MS);
    await click();
    await test.settled();
    expect(test.fake.responses()).toHaveLength(2);
    expect(JSON.stringify(test.fake.responses().at(-1)!.body.blocks)).toContain(`#${number} is already yours.`);
  });

  it('another person pressing the same button at once is not a double click', async () => {
    const { test, number } = await deskWithTicket();
    const clickBy = (user: string) =>
      test.slack.blockAction(
        user,
        { action_id: actionIds.take, value: String(number) },
        { channel: channels.billingAlerts, message: { ts: '1700000000.000200' } },
      );
    await clickBy(people.ana);
    await test.settled();
    await clickBy(people.ben);
    await test.settled();
    expect(test.fake.responses().map((response) => response.body.text)).toEqual([
      `You took #${number}.`,
      `#${number} was taken by <@${people.ana}> a moment ago.`,
    ]);
  });
});

describe('the sweep of leftovers', () => {
  it('forgets expired Slack ids (FerretDB has no TTL index) and hands out events a dead process left in an outbox', async () => {
    const { test, number } = await deskWithTicket();
    const now = test.clock.now();
    expect(await test.store.seen.firstTime('event:EvOLD', now, HOUR_MS)).toBe(true);
    expect(await test.store.seen.firstTime('event:EvNEW', new Date(now.getTime() + HOUR_MS), HOUR_MS)).toBe(true);
    // A process died between the ticket's write and moving its event to `events`.
    await test.store.models.Ticket.updateOne(
      { number },
      {
        $push: { outbox: { _id: 'left-behind-1', actor: { kind: 'agent', id: people.ana }, action: 'noted', at: now } },
      },
    );
    expect(await test.store.tickets.withEventsWaitingSince(new Date(now.getTime() + 1), 10)).toEqual([number]);

    test.clock.advance(HOUR_MS);
    const run = await test.deskbolt.jobs.run(deskJob('sweep-leftovers'));
    expect(run).toMatchObject({ ran: true, result: { forgottenIds: 1, flushedTickets: 1 } });
    expect(await test.store.models.SeenId.countDocuments({})).toBe(1);
    expect(await test.store.models.SeenId.exists({ _id: 'event:EvNEW' })).toBeTruthy();
    expect(await test.store.tickets.withEventsWaitingSince(test.clock.now(), 10)).toEqual([]);
    expect(await test.store.models.Event.countDocuments({ _id: 'left-behind-1', ticketNumber: number })).toBe(1);
  });
});
