import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Deskbolt, startDeskbolt } from '../src/deskbolt.js';
import { fakeSlackConfig } from '../src/fake-slack/config.js';
import type { FakeSlack } from '../src/fake-slack/server.js';
import type { Store } from '../src/store/store.js';
import { TestClock } from './support/clock.js';
import { openTestStore } from './support/database.js';
import { emailMessage, type TestMailbox, testMailbox } from './support/email.js';
import { startTestFake } from './support/harness.js';
import { testWorkspace } from './support/workspace.js';

/**
 * The mailbox watched as in production: IDLE on Dovecot tells of new mail, and the watcher files it
 * without waiting for its poll (set here far beyond the test's patience). Two replicas watch; the
 * lease lets one read, and nothing is filed twice.
 */
describe('a watched mailbox', () => {
  let store: Store;
  let fake: FakeSlack;
  let mailbox: TestMailbox;
  const replicas: Deskbolt[] = [];

  beforeAll(async () => {
    store = await openTestStore('emailidle');
    fake = await startTestFake();
    mailbox = testMailbox('idle');
    const clock = new TestClock();
    for (let i = 0; i < 2; i++) {
      replicas.push(
        await startDeskbolt({
          config: fakeSlackConfig(fake),
          workspace: testWorkspace({
            email: { mailboxes: [{ address: 'support@acme.example', group: 10, imap: mailbox.variable }] },
          }),
          store,
          clock: clock.now,
          log: () => {},
          schedule: false,
          watchMailboxes: true,
          mailboxPollMs: 10 * 60_000,
        }),
      );
    }
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    await fake?.close();
    await store?.close();
  });

  /** Waits for what the watcher does on its own: no clock to move, the server's IDLE is the trigger. */
  const filedSoFar = async () =>
    (await store.tickets.ofRequester({ kind: 'email', email: 'rita@customer.example', name: 'Rita' }, 10)).length;
  async function ticketsFiled(count: number): Promise<number> {
    for (let attempt = 0; attempt < 400 && (await filedSoFar()) < count; attempt++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    return filedSoFar();
  }

  it('files new mail when the server announces it, once, whichever replica holds the mailbox', async () => {
    await mailbox.deliver(emailMessage({ subject: 'Announced by IDLE' }));
    expect(await ticketsFiled(1)).toBe(1);
    await mailbox.deliver(emailMessage({ subject: 'And another' }));
    expect(await ticketsFiled(2)).toBe(2);
    const subjects = (
      await store.tickets.ofRequester({ kind: 'email', email: 'rita@customer.example', name: 'Rita' }, 10)
    )
      .map((ticket) => ticket.subject)
      .sort();
    expect(subjects).toEqual(['And another', 'Announced by IDLE']);
  });
});
