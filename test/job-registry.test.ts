import { afterEach, describe, expect, it } from 'vitest';
import { RELAY_MEMORY_MS } from '../src/chats/relay.js';
import { FakeSlack } from '../src/fake-slack/server.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import type { Store } from '../src/store/store.js';
import { API_REQUEST_MEMORY_MS } from '../src/tickets/retention.js';
import { chatSteps } from './support/chats.js';
import { TestClock } from './support/clock.js';
import { openTestStore } from './support/database.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people } from './support/workspace.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

/** The other issues' time-driven work runs as registry entries, under a lease like the rest. */
describe('jobs of the chat desk and deliveries', () => {
  it('transfer-expiry: a request past its expiry is expired once, with two replicas ticking at the same moment', async () => {
    const store: Store = await openTestStore('jobtransfer');
    open.push(store);
    const fake = await FakeSlack.start();
    open.push(fake);
    const clock = new TestClock();
    const a: TestDesk = await startTestDesk({ store, fake, clock });
    open.push(a);
    const b: TestDesk = await startTestDesk({ store, fake, clock });
    open.push(b);
    const steps = chatSteps(a);
    const chat = await steps.liveChat('UREQJOB01', people.ana);
    await steps.status(people.ben, 'online');
    await a.slack.command(people.ana, '/ticket', `transfer ${chat.ticketNumber} @ben`);
    await a.settled();
    const request = (await store.chats.openTransferOf(chat.ticketNumber))!;
    const job = deskJob('transfer-expiry');

    clock.advance(119_000);
    expect(await a.deskbolt.jobs.run(job)).toMatchObject({ ran: true, result: [] });
    clock.advance(2_000);
    const runs = await Promise.all([a.deskbolt.jobs.run(job), b.deskbolt.jobs.run(job)]);
    expect(runs.filter((run) => run.ran)).toHaveLength(1);
    expect(await store.chats.transfer(request.id)).toMatchObject({ state: 'expired' });
    expect((await steps.actions(chat.ticketNumber)).filter((action) => action === 'transfer_expired')).toHaveLength(1);
    expect(
      steps
        .botMessages(fake.dmChannelOf(people.ana))
        .filter((message) => message.text?.includes('expired with no answer')),
    ).toHaveLength(1);
  });

  it('forget-relays and forget-api-requests delete only what is past its time, under their leases', async () => {
    const test = await startTestDesk();
    open.push(test);
    const now = test.clock.now().getTime();
    const ref = (ts: string) => ({ channel: 'DREQ0001', ts });
    const relay = (key: string, ageMs: number) =>
      test.store.chats.rememberRelay({
        key,
        ticketNumber: 1001,
        original: ref(key),
        copy: ref(`${key}.copy`),
        side: 'requester',
        createdAt: new Date(now - ageMs),
      });
    await relay('1.old', RELAY_MEMORY_MS + 1);
    await relay('2.recent', RELAY_MEMORY_MS - 60_000);
    const request = (key: string, ageMs: number) =>
      test.store.apiRequests.claim(key, 'fingerprint', async () => 2001, new Date(now - ageMs));
    await request('bridge:old', API_REQUEST_MEMORY_MS + 1);
    await request('bridge:recent', API_REQUEST_MEMORY_MS - 60_000);

    expect(await test.deskbolt.jobs.run(deskJob('forget-relays'))).toEqual({ ran: true, result: 1 });
    expect(await test.store.chats.relayOf('1.old')).toBeNull();
    expect(await test.store.chats.relayOf('2.recent')).not.toBeNull();
    expect(await test.deskbolt.jobs.run(deskJob('forget-api-requests'))).toEqual({ ran: true, result: 1 });
    // The recent key still files nothing new; the old one is forgotten.
    expect(await request('bridge:recent', 0)).toEqual({ kind: 'repeat', ticketNumber: 2001 });
    expect(await test.store.apiRequests.claim('bridge:old', 'fingerprint', async () => 2002, test.clock.now())).toEqual(
      { kind: 'claimed', ticketNumber: 2002 },
    );
    // A run finds nothing more to do.
    expect(await test.deskbolt.jobs.run(deskJob('forget-relays'))).toEqual({ ran: true, result: 0 });
  });

  it('forget-week-figures forgets the App Home’s figures of weeks before the last five, and only those', async () => {
    const test = await startTestDesk();
    open.push(test);
    test.clock.set('2026-11-25T10:00:00Z'); // a Wednesday: this week began on Monday 23 November
    const figure = (ticketNumber: number) => ({
      kind: 'firstReply' as const,
      figure: { ticketNumber, at: test.clock.now(), ms: 60_000 },
    });
    for (const week of ['2026-10-19', '2026-10-26', '2026-11-23']) {
      await test.store.weekFigures.note([`agent:UFORGET1:${week}`], new Date(`${week}T00:00:00Z`), figure(1));
    }
    // The five weeks kept are those of 26 October to 23 November.
    expect(await test.deskbolt.jobs.run(deskJob('forget-week-figures'))).toEqual({ ran: true, result: 1 });
    const left = await test.store.weekFigures.read(
      ['2026-10-19', '2026-10-26', '2026-11-23'].map((week) => `agent:UFORGET1:${week}`),
    );
    expect(left.map((document) => document.id)).toEqual(['agent:UFORGET1:2026-10-26', 'agent:UFORGET1:2026-11-23']);
    expect(await test.deskbolt.jobs.run(deskJob('forget-week-figures'))).toEqual({ ran: true, result: 0 });
  });

  it('chat-activity and delivery-retries run under their leases', async () => {
    const test = await startTestDesk();
    open.push(test);
    expect(await test.deskbolt.jobs.run(deskJob('chat-activity'))).toEqual({ ran: true, result: 0 });
    expect(await test.deskbolt.jobs.run(deskJob('delivery-retries'))).toMatchObject({
      ran: true,
      result: { attempted: 0 },
    });
  });
});
