import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeskbolt } from '../src/deskbolt.js';
import { fakeSlackConfig } from '../src/fake-slack/config.js';
import type { FakeSlack } from '../src/fake-slack/server.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import type { Store } from '../src/store/store.js';
import { TestClock } from './support/clock.js';
import { openTestStore } from './support/database.js';
import { fileTicket } from './support/desk.js';
import { startTestFake } from './support/harness.js';
import { testWorkspace } from './support/workspace.js';

/**
 * Slack that takes a call and never answers it (a hung connection). Each Web API call has a timeout,
 * so the notifier gives up and leaves the message to the delivery queue, and a stopping process stops
 * waiting after a bounded time. The timeouts are shortened here; production's are seconds.
 */
describe('a Slack that never answers', () => {
  let fake: FakeSlack;
  let store: Store;
  const clock = new TestClock();
  beforeAll(async () => {
    fake = await startTestFake();
    store = await openTestStore('hung-slack');
  });
  afterAll(async () => {
    await store.close();
    await fake.close();
  });

  const start = (options: { slackCallTimeoutMs: number; closeWithinMs?: number }, logs: string[]) =>
    startDeskbolt({
      config: fakeSlackConfig(fake),
      workspace: testWorkspace(),
      store,
      clock: clock.now,
      log: (line) => logs.push(line),
      schedule: false,
      sleep: clock.sleep,
      ...options,
    });

  const liveMessages = (number: number) =>
    fake
      .okCalls('chat.postMessage')
      .filter((call) => !call.args.thread_ts && String(call.args.text).startsWith(`#${number} `));

  it('a hung call is given up after its timeout; the message stays queued and goes out on the next retry', async () => {
    const logs: string[] = [];
    const deskbolt = await start({ slackCallTimeoutMs: 300 }, logs);
    try {
      fake.hangNext('chat.postMessage', 100);
      const ticket = await fileTicket({ ...deskbolt.desk, testClock: clock });
      await deskbolt.settled();
      expect(liveMessages(ticket.number)).toEqual([]);
      const queued = await store.deliveries.get(`live:${ticket.number}`);
      expect(queued).toMatchObject({ state: 'pending' });
      expect(queued!.lastError).toContain('did not answer chat.postMessage');

      fake.hangNext('chat.postMessage', 0);
      clock.advance(5 * 60_000);
      await deskbolt.jobs.run(deskJob('delivery-retries'));
      await deskbolt.settled();
      expect(liveMessages(ticket.number)).toHaveLength(1);
    } finally {
      await deskbolt.close();
    }
  });

  it('close() stops waiting for a call in flight after its bound, and says the delivery queue has the rest', async () => {
    const logs: string[] = [];
    const deskbolt = await start({ slackCallTimeoutMs: 120_000, closeWithinMs: 300 }, logs);
    fake.hangNext('chat.postMessage', 100);
    const ticket = await fileTicket({ ...deskbolt.desk, testClock: clock });

    await deskbolt.close();

    expect(logs.some((line) => line.includes('stopped waiting for work in flight after 300 ms'))).toBe(true);
    expect(await store.deliveries.get(`live:${ticket.number}`)).toMatchObject({ state: 'pending' });
    fake.hangNext('chat.postMessage', 0);
  });
});
