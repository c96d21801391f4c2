import { type WebAPIRateLimitedError, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../src/fake-slack/server.js';
import { confirmBulkMove, planBulkMove } from '../src/tickets/bulk-move.js';
import { TestClock } from './support/clock.js';
import { changeTicket, fileTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { channels, people } from './support/workspace.js';

/** Lets the desk finish, moving the clock a second at a time whenever something waits on it (a Retry-After). */
async function settleMovingTime(desk: TestDesk): Promise<number> {
  let done = false;
  let moved = 0;
  const settled = desk.settled().then(() => {
    done = true;
  });
  while (!done) {
    await Promise.race([settled, desk.clock.someoneSleeps()]);
    if (done) break;
    desk.clock.advance(1000);
    moved += 1;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return moved;
}

describe('the fake Slack holds calls to Slack’s limits by method tier, on its own', () => {
  let fake: FakeSlack;
  afterEach(async () => fake.close());

  async function limitedAfter(call: () => Promise<unknown>): Promise<number | undefined> {
    try {
      await call();
      return undefined;
    } catch (error) {
      return (error as WebAPIRateLimitedError).retryAfter;
    }
  }

  it('answers 429 with Retry-After past a tier’s minute, and chat.postMessage past one a second per channel (after a short burst)', async () => {
    const clock = new TestClock();
    fake = await FakeSlack.start();
    fake.inviteBot('C0ONE', 'C0TWO');
    fake.enforceRateLimits(() => clock.now().getTime());
    const client = new WebClient(fake.token, {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    const post = (channel: string) => () => client.chat.postMessage({ channel, text: 'hi' });

    for (let i = 0; i < 3; i++) expect(await limitedAfter(post('C0ONE'))).toBeUndefined();
    expect(await limitedAfter(post('C0ONE'))).toBe(1);
    expect(fake.calls('chat.postMessage').at(-1)).toMatchObject({ status: 429, error: 'ratelimited' });
    // Another channel has its own second.
    expect(await limitedAfter(post('C0TWO'))).toBeUndefined();
    clock.advance(1000);
    expect(await limitedAfter(post('C0ONE'))).toBeUndefined();

    // views.publish is Tier 4: 100 a minute.
    const publish = (user: string) => () => client.views.publish({ user_id: user, view: { type: 'home', blocks: [] } });
    for (let i = 0; i < 100; i++)
      expect(await limitedAfter(publish(`U0P${String(i).padStart(4, '0')}`))).toBeUndefined();
    expect(await limitedAfter(publish('U0PLAST'))).toBe(1);
    // chat.update is Tier 3: 50 a minute, so the next one is 1.2 s away.
    const { ts } = await client.chat.postMessage({ channel: 'C0TWO', text: 'live' });
    for (let i = 0; i < 50; i++)
      expect(
        await limitedAfter(() => client.chat.update({ channel: 'C0TWO', ts: ts!, text: `v${i}` })),
      ).toBeUndefined();
    expect(await limitedAfter(() => client.chat.update({ channel: 'C0TWO', ts: ts!, text: 'late' }))).toBe(2);
  });

  it('holds no call to any limit unless asked, so the suite’s bursts at one instant stay instant', async () => {
    fake = await FakeSlack.start();
    fake.inviteBot('C0ONE');
    const client = new WebClient(fake.token, {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    for (let i = 0; i < 10; i++) await client.chat.postMessage({ channel: 'C0ONE', text: `line ${i}` });
    expect(fake.calls('chat.postMessage').every((call) => call.status === 200)).toBe(true);
  });
});

/** Over chat.postMessage's burst in one channel (the thread lines); the bench runs the full 50. */
const TICKETS = 25;

describe('the app’s bursts stay within Slack’s limits: paced, never dropped', () => {
  let desk: TestDesk;
  afterEach(async () => desk.close());

  it('a burst of 150 Home publishes: every Home is published, the ones over Tier 4 wait their turn', async () => {
    const logs: string[] = [];
    desk = await startTestDesk({ logs });
    desk.fake.enforceRateLimits(() => desk.clock.now().getTime());
    const users = Array.from({ length: 150 }, (_, i) => `U0HOME${String(i).padStart(4, '0')}`);
    await Promise.all(users.map((user) => desk.slack.event({ type: 'app_home_opened', user, tab: 'home' })));
    const seconds = await settleMovingTime(desk);

    for (const user of users) expect(desk.fake.homeView(user), user).toBeDefined();
    expect(desk.fake.okCalls('views.publish')).toHaveLength(150);
    expect(desk.fake.calls('views.publish').some((call) => call.status === 429)).toBe(true);
    expect(logs.filter((line) => line.includes('publish'))).toEqual([]);
    // 100 at once, then 100 a minute: the last 50 take about half a minute.
    expect(seconds).toBeGreaterThanOrEqual(25);
  });

  it('a bulk hand-over: every live message updated and every thread line posted, none left failing', {
    timeout: 60_000,
  }, async () => {
    desk = await startTestDesk({ clock: new TestClock() });
    const lead = desk.deskbolt.desk;
    const numbers: number[] = [];
    for (let i = 0; i < TICKETS; i++) {
      const ticket = await fileTicket(lead);
      await changeTicket(lead, ticket.number, {}, { assignee: people.cho, status: 'open' }, [], desk.clock.now());
      numbers.push(ticket.number);
    }
    await desk.settled();
    desk.fake.clearCalls();
    desk.fake.enforceRateLimits(() => desk.clock.now().getTime());

    const plan = await planBulkMove(lead, { by: people.lead, from: people.cho, to: people.ben });
    if (!plan.ok) throw new Error(plan.code);
    const run = confirmBulkMove(lead, { moveId: plan.move.id, by: people.lead });
    await settleMovingTime(desk);
    expect((await run).ok).toBe(true);
    await settleMovingTime(desk);

    for (const number of numbers) {
      expect((await desk.store.tickets.get(number))?.assignee).toBe(people.ben);
      const pending = (await desk.store.deliveries.ofTicket(number)).filter(
        (delivery) => delivery.state !== 'delivered',
      );
      expect(pending, `#${number}`).toEqual([]);
    }
    const updates = desk.fake.okCalls('chat.update').filter((call) => call.args.channel === channels.billingAlerts);
    expect(new Set(updates.map((call) => call.args.ts)).size).toBe(TICKETS);
    expect(desk.fake.calls().some((call) => call.status === 429)).toBe(true);
  });
});
