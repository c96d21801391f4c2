import { afterEach, describe, expect, it } from 'vitest';
import { deskJob } from '../src/jobs/desk-jobs.js';
import type { Store } from '../src/store/store.js';
import { chatSteps } from './support/chats.js';
import { TestClock } from './support/clock.js';
import { openTestStore } from './support/database.js';
import { FakeSlack } from '../src/fake-slack/server.js';
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
    expect(steps.botMessages(fake.dmChannelOf(people.ana)).filter((message) => message.text?.includes('expired with no answer'))).toHaveLength(1);
  });

  it('chat-activity and delivery-retries run under their leases', async () => {
    const test = await startTestDesk();
    open.push(test);
    expect(await test.deskbolt.jobs.run(deskJob('chat-activity'))).toEqual({ ran: true, result: 0 });
    expect(await test.deskbolt.jobs.run(deskJob('delivery-retries'))).toMatchObject({ ran: true, result: { attempted: 0 } });
  });
});
