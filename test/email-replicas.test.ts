import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEmail } from '../src/email/parse.js';
import type { FakeSlack } from '../src/fake-slack/server.js';
import type { Store } from '../src/store/store.js';
import { fileIncomingEmail, recordIdOf } from '../src/tickets/email-intake.js';
import { TestClock } from './support/clock.js';
import { openTestStore } from './support/database.js';
import { emailMessage, type TestMailbox, testMailbox } from './support/email.js';
import { startTestDesk, startTestFake, type TestDesk } from './support/harness.js';
import { testWorkspace } from './support/workspace.js';

const SUPPORT = 'support@acme.example';

/**
 * One mailbox, several readers: two replicas at once, a restart, a crash between the claim and the
 * ticket. Whatever the lease does, a message is filed once: its record's unique id says so.
 */
describe('a mailbox read by a restart and a second replica', () => {
  let store: Store;
  let fake: FakeSlack;
  let mailbox: TestMailbox;
  const clock = new TestClock();
  const started: TestDesk[] = [];

  beforeAll(async () => {
    store = await openTestStore('emailreplicas');
    fake = await startTestFake();
    mailbox = testMailbox('replicas');
  });
  afterAll(async () => {
    for (const desk of started) await desk.close();
    await fake?.close();
    await store?.close();
  });

  async function replica(): Promise<TestDesk> {
    const desk = await startTestDesk({
      store,
      fake,
      clock,
      workspace: testWorkspace({ email: { mailboxes: [{ address: SUPPORT, group: 10, imap: mailbox.variable }] } }),
    });
    started.push(desk);
    return desk;
  }
  const emailTickets = async () =>
    (await store.tickets.ofRequester({ kind: 'email', email: 'rita@customer.example', name: 'Rita' }, 500)).length;

  it('two replicas reading at once file each message once; a restart files only what is new; the unique record holds without the lease', async () => {
    // The file's other test files Rita's mail in this store and mailbox too, and the tests run shuffled: what it
    // left is read first, and counted.
    const first = await replica();
    const second = await replica();
    await store.connection.collection('mailbox_cursors').deleteMany({ _id: SUPPORT as never });
    const leftovers = (await first.deskbolt.email.readNow())[0]!.filings.length;
    const before = await emailTickets();
    for (let i = 0; i < 4; i++) await mailbox.deliver(emailMessage({ subject: `Question ${i}` }));
    const [a, b] = await Promise.all([first.deskbolt.email.readNow(), second.deskbolt.email.readNow()]);
    const filed = [...a!, ...b!].flatMap((run) => run.filings).filter((filing) => filing.outcome === 'ticket');
    expect(filed).toHaveLength(4);
    expect(await emailTickets()).toBe(before + 4);

    // A restart: a new process on the same database reads the mailbox again.
    await first.close();
    started.splice(started.indexOf(first), 1);
    const restarted = await replica();
    await mailbox.deliver(emailMessage({ subject: 'Question 5' }));
    const [run] = await restarted.deskbolt.email.readNow();
    expect(run!.filings.map((filing) => filing.outcome)).toEqual(['ticket']);
    expect(await emailTickets()).toBe(before + 5);

    // Without the lease and the cursor (a replica that lost both, a cursor gone): every message is found and none filed again.
    await store.connection.collection('mailbox_cursors').deleteMany({ _id: SUPPORT as never });
    const [again] = await second.deskbolt.email.readNow();
    expect(again!.filings.map((filing) => filing.outcome)).toEqual(Array(5 + leftovers).fill('duplicate'));
    expect(await emailTickets()).toBe(before + 5);

    // Two replicas filing the same message at the very same time, lease or none.
    const email = await parseEmail(Buffer.from(emailMessage({ subject: 'Raced' })));
    const place = { address: SUPPORT, group: 10, uidValidity: 1, uid: 999 };
    const raced = await Promise.all([
      fileIncomingEmail(restarted.deskbolt.desk, place, email, 'replica-a'),
      fileIncomingEmail(second.deskbolt.desk, place, email, 'replica-b'),
    ]);
    expect(raced.map((filing) => filing.outcome).sort()).toEqual(['busy', 'ticket']);
    expect(await emailTickets()).toBe(before + 6);
  });

  it('a process that died between claiming a message and filing it: the next read files it, under the number it had reserved', async () => {
    const desk = started[0] ?? (await replica());
    const raw = emailMessage({ subject: 'Cut off half-way' });
    const uid = await mailbox.deliver(raw);
    const email = await parseEmail(Buffer.from(raw));
    // What the dead process had done: the claim and the reserved number, and nothing else.
    const id = recordIdOf(email, { address: SUPPORT, group: 10, uidValidity: 0, uid });
    await store.email.claim({
      id,
      mailbox: SUPPORT,
      messageId: email.messageId,
      uidValidity: 0,
      uid,
      from: 'rita@customer.example',
      fromName: 'Rita',
      subject: email.subject,
      at: clock.now(),
      claimedBy: 'dead',
      claimedAt: clock.now(),
      headers: email.headers,
      fullText: email.text,
      attachments: [],
    });
    const reserved = await store.email.reserveNumber(id, () => store.tickets.nextNumber());
    // While the claim is fresh, its reader may still be at work: it is left alone.
    const [early] = await desk.deskbolt.email.readNow();
    expect(early!.filings).toEqual([{ outcome: 'busy' }]);
    expect(await store.tickets.get(reserved)).toBeNull();
    clock.advance(3 * 60_000);

    const [run] = await desk.deskbolt.email.readNow();
    expect(run!.filings).toEqual([{ outcome: 'ticket', ticketNumber: reserved }]);
    expect((await store.tickets.get(reserved))!.subject).toBe('Cut off half-way');
    expect(await store.email.get(id)).toMatchObject({ state: 'ticket', ticketNumber: reserved });
  });
});
