import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { actionIds, replyFields } from '../blocks/ids.js';
import { closingTime } from '../blocks/reminders.js';
import { DAY_MS, HOUR_MS } from '../src/clock.js';
import { ticketEvent } from '../src/events/ticket-events.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import { sendReminders } from '../src/tickets/reminders.js';
import { replyToTicket } from '../src/tickets/reply.js';
import type { Workspace } from '../src/workspace/schema.js';
import { openTestStore } from './support/database.js';
import { changeTicket, fileTicket } from './support/desk.js';
import { type SmtpSink, startSmtpSink } from './support/email.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { channels, people, testWorkspace } from './support/workspace.js';

const reminders = deskJob('reminders');
const autoClose = deskJob('pending-auto-close');

/** Billing asks a pending ticket's requester for their answer a day before the auto-close (3 days). */
function askingWorkspace(): Workspace {
  return testWorkspace({
    groups: [
      {
        name: 'Billing',
        id: 10,
        alertChannel: channels.billingAlerts,
        intakeChannels: [channels.billingIntake],
        reminders: { pendingRequesterBeforeCloseHours: 24 },
      },
      { name: 'PayOps', id: 20, alertChannel: channels.payopsAlerts },
    ],
  });
}

async function eventsOf(test: TestDesk, number: number, action: string) {
  return (await test.store.tickets.history(number)).filter((event) => event.action === action);
}

describe('a pending ticket’s Slack requester is asked once for their answer before the auto-close', () => {
  let test: TestDesk;
  beforeAll(async () => {
    test = await startTestDesk({ workspace: askingWorkspace() });
  });
  afterAll(async () => {
    await test.close();
  });

  /** Ana answers in the reply form and sets the ticket pending: from now on it waits on the requester. */
  async function pendingByReply(): Promise<number> {
    const ticket = await fileTicket({ ...test.deskbolt.desk, testClock: test.clock });
    await test.slack.blockAction(people.ana, { action_id: actionIds.reply, value: String(ticket.number) });
    await test.settled();
    const view = test.fake.okCalls('views.open').at(-1)!.response.view;
    await test.slack.viewSubmission(people.ana, {
      id: view.id,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, {
        [replyFields.text]: 'Could you send the receipt?',
        [replyFields.status]: 'pending',
      }),
    });
    await test.settled();
    expect((await test.store.tickets.get(ticket.number))!.status).toBe('pending');
    return ticket.number;
  }

  const asked = (number: number) =>
    test.fake
      .dmsTo(people.customer)
      .filter((call) => String(call.args.text).startsWith(`We are waiting for your answer on #${number} `));

  it('in their thread of the ticket, a day before the close, once, with what to do; the close then says how to reopen', async () => {
    const number = await pendingByReply();
    const pendingAt = test.clock.now().getTime();
    const thread = (await test.store.tickets.placesOf(number)).requesterThread;
    expect(thread).toBeTruthy();

    test.clock.set(new Date(pendingAt + 2 * DAY_MS - 1));
    await test.deskbolt.jobs.run(reminders);
    expect(asked(number)).toHaveLength(0);

    test.clock.set(new Date(pendingAt + 2 * DAY_MS));
    await test.deskbolt.jobs.run(reminders);
    const [message] = asked(number);
    expect(message).toBeDefined();
    expect(message!.args.thread_ts).toBe(thread!.ts);
    expect(message!.args.text).toContain('reply in this thread to keep it open');
    expect(message!.args.text).toContain(
      `we will close it on ${closingTime(new Date(pendingAt + 3 * DAY_MS), test.deskbolt.desk.settings.timeZone)}:`,
    );
    expect(await eventsOf(test, number, 'requester_reminded')).toMatchObject([
      { actor: { kind: 'system', name: 'deskbolt' }, to: { via: 'slack', closesAt: new Date(pendingAt + 3 * DAY_MS) } },
    ]);

    for (const hours of [1, 6, 23]) {
      test.clock.set(new Date(pendingAt + 2 * DAY_MS + hours * HOUR_MS));
      await test.deskbolt.jobs.run(reminders);
    }
    expect(asked(number)).toHaveLength(1);

    test.clock.set(new Date(pendingAt + 3 * DAY_MS));
    await test.deskbolt.jobs.run(autoClose);
    await test.deskbolt.jobs.run(reminders);
    expect(asked(number)).toHaveLength(1);
    const closing = test.fake
      .dmsTo(people.customer)
      .find((call) => String(call.args.text).startsWith(`We haven't heard back from you on #${number} `));
    expect(closing!.args.text).toContain('If you still need help, reply in this thread and we will reopen it');
    expect(closing!.args.thread_ts).toBe(thread!.ts);
  });

  it('a clock that jumps past the close asks nobody (the ticket closes instead); jumps within the day ask once', async () => {
    const jumpedPast = await pendingByReply();
    test.clock.advance(3 * DAY_MS + HOUR_MS);
    await test.deskbolt.jobs.run(reminders);
    expect(asked(jumpedPast)).toHaveLength(0);
    await test.deskbolt.jobs.run(autoClose);
    expect((await test.store.tickets.get(jumpedPast))!.status).toBe('closed');

    const askedOnce = await pendingByReply();
    const askedAt = test.clock.now().getTime();
    for (const hours of [5, 1, 20, 2]) {
      test.clock.set(new Date(askedAt + 2 * DAY_MS + hours * HOUR_MS));
      await test.deskbolt.jobs.run(reminders);
    }
    expect(asked(askedOnce)).toHaveLength(1);
  });

  it('without SMTP_URL an email requester is not asked, and nothing is recorded', async () => {
    const desk = { ...test.deskbolt.desk, testClock: test.clock };
    const ticket = await fileTicket(desk, { requester: { kind: 'email', email: 'kim@customer.example', name: 'Kim' } });
    const now = test.clock.now();
    await changeTicket(
      desk,
      ticket.number,
      {},
      { status: 'pending', assignee: people.ana, pendingSince: now },
      ticketEvent('status_changed', { kind: 'agent', id: people.ana }, now, {
        from: { status: 'new' },
        to: { status: 'pending' },
      }),
      now,
    );
    test.clock.advance(2 * DAY_MS + HOUR_MS);
    await test.deskbolt.jobs.run(reminders);
    expect(await eventsOf(test, ticket.number, 'requester_reminded')).toEqual([]);
  });

  it('two replicas sweeping at once ask once', async () => {
    const other = await startTestDesk({
      workspace: askingWorkspace(),
      store: test.store,
      fake: test.fake,
      clock: test.clock,
    });
    try {
      const number = await pendingByReply();
      test.clock.advance(2 * DAY_MS + HOUR_MS);
      await Promise.all([
        sendReminders(test.deskbolt.desk, test.clock.now()),
        sendReminders(other.deskbolt.desk, test.clock.now()),
      ]);
      await Promise.all([test.settled(), other.settled()]);
      expect(asked(number)).toHaveLength(1);
      expect(await eventsOf(test, number, 'requester_reminded')).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

describe('an email requester is asked by mail (a real SMTP server), once, and the close tells them to reply to the email', () => {
  let test: TestDesk;
  let smtp: SmtpSink;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    test = await startTestDesk({
      workspace: askingWorkspace(),
      store: await openTestStore('pendingmail'),
      config: { smtpUrl: smtp.url, mailFrom: '"Acme Support" <help@acme.example>' },
    });
  });
  afterAll(async () => {
    await test.close();
    await test.store.close();
    await smtp.close();
  });
  afterEach(() => {
    smtp.received.length = 0;
  });

  it('an automatic mail in the ticket’s thread a day before the close; the auto-close’s note says to reply to the email', async () => {
    const desk = { ...test.deskbolt.desk, testClock: test.clock };
    const ticket = await fileTicket(desk, {
      subject: 'Invoice <!channel> & VAT',
      requester: { kind: 'email', email: 'jo@customer.example', name: 'Jo' },
    });
    const replied = await replyToTicket(test.deskbolt.desk, {
      number: ticket.number,
      agent: people.ana,
      text: 'Which invoice do you mean?',
      kind: 'public',
      status: 'pending',
    });
    expect(replied.ok).toBe(true);
    await test.settled();
    await smtp.receivedCount(1);
    const pendingAt = test.clock.now().getTime();

    test.clock.set(new Date(pendingAt + 2 * DAY_MS));
    await test.deskbolt.jobs.run(reminders);
    await smtp.receivedCount(2);
    const reminder = smtp.received.find((mail) => mail.text?.startsWith('We are waiting for your answer'))!;
    expect(reminder.subject).toBe(`[#${ticket.number}] Invoice <!channel> & VAT`);
    expect(reminder.headers.get('auto-submitted')).toBe('auto-replied');
    expect(reminder.text).toContain(`#${ticket.number} “Invoice <!channel> & VAT”`);
    expect(reminder.text).toContain('reply to this email to keep it open');
    expect(await eventsOf(test, ticket.number, 'requester_reminded')).toMatchObject([{ to: { via: 'email' } }]);

    test.clock.advance(HOUR_MS);
    await test.deskbolt.jobs.run(reminders);
    test.clock.set(new Date(pendingAt + 3 * DAY_MS));
    await test.deskbolt.jobs.run(autoClose);
    await smtp.receivedCount(3);
    const notes = smtp.received.filter((mail) => mail.text?.startsWith("We haven't heard back"));
    expect(notes).toHaveLength(1);
    expect(notes[0]!.text).toContain('If you still need help, reply to this email and we will reopen it');
    expect(smtp.received.filter((mail) => mail.text?.startsWith('We are waiting for your answer'))).toHaveLength(1);
    // The stored note says the same as what was sent.
    const [comment] = await test.store.tickets
      .comments(ticket.number, { kinds: ['public'] })
      .then((all) => all.filter((c) => c.text.startsWith("We haven't")));
    expect(comment!.text).toBe(notes[0]!.text?.trim());
  });
});
