import { afterEach, describe, expect, it } from 'vitest';
import { actionIds, replyFields } from '../blocks/ids.js';
import { HOUR_MS, MINUTE_MS } from '../src/clock.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { FakeSlack } from '../src/fake-slack/server.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import type { Store } from '../src/store/store.js';
import { sendReminders } from '../src/tickets/reminders.js';
import type { Workspace } from '../src/workspace/schema.js';
import { TestClock } from './support/clock.js';
import { openTestStore } from './support/database.js';
import { fileTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { channels, people, testWorkspace } from './support/workspace.js';

const reminders = deskJob('reminders');
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});
function closing<T extends { close(): Promise<void> }>(thing: T): T {
  open.push(thing);
  return thing;
}

/** Billing reminds an assignee after an hour (a quarter of one when urgent) and tells its lead after four. */
function remindingWorkspace(extra: Partial<Record<keyof Workspace, unknown>> = {}): Workspace {
  return testWorkspace({
    groups: [
      {
        name: 'Billing',
        id: 10,
        alertChannel: channels.billingAlerts,
        intakeChannels: [channels.billingIntake],
        reminders: { assigneeAfter: { normal: 60, urgent: 15 }, leadAfter: { normal: 240 } },
      },
      { name: 'PayOps', id: 20, alertChannel: channels.payopsAlerts },
    ],
    ...extra,
  });
}

async function deskOf(options: Parameters<typeof startTestDesk>[0] = {}): Promise<TestDesk> {
  return closing(await startTestDesk({ workspace: remindingWorkspace(), ...options }));
}

/** Ana takes a new Billing ticket by the slash command: from this moment it waits on her. */
async function takenByAna(test: TestDesk, overrides: Parameters<typeof fileTicket>[1] = {}): Promise<number> {
  const ticket = await fileTicket({ ...test.deskbolt.desk, testClock: test.clock }, overrides);
  await test.slack.command(people.ana, '/ticket', `take ${ticket.number}`);
  await test.settled();
  expect(await test.store.tickets.get(ticket.number)).toMatchObject({ assignee: people.ana, status: 'open' });
  return ticket.number;
}

function remindersTo(fake: FakeSlack, user: string, number: number, words: string): string[] {
  return fake
    .dmsTo(user)
    .map((call) => String(call.args.text))
    .filter((text) => text.includes(`#${number} `) && text.includes(words));
}

async function eventsOf(store: Store, number: number, action: string) {
  return (await store.tickets.history(number)).filter((event) => event.action === action);
}

describe('the assignee of an open ticket is reminded once, and the lead told once past the second threshold', () => {
  it('reminds at the threshold and not a minute before, once, shown as done by deskbolt; tells the lead at four hours, once', async () => {
    const test = await deskOf();
    const number = await takenByAna(test);
    const takenAt = test.clock.now().getTime();

    test.clock.set(new Date(takenAt + 59 * MINUTE_MS));
    await test.deskbolt.jobs.run(reminders);
    expect(remindersTo(test.fake, people.ana, number, 'has waited on you')).toHaveLength(0);

    test.clock.set(new Date(takenAt + 60 * MINUTE_MS));
    expect(await test.deskbolt.jobs.run(reminders)).toMatchObject({ ran: true, result: { assigneesReminded: 1 } });
    expect(remindersTo(test.fake, people.ana, number, 'has waited on you for 60 minutes')).toHaveLength(1);
    const [event] = await eventsOf(test.store, number, 'assignee_reminded');
    expect(event).toMatchObject({
      actor: { kind: 'system', name: 'deskbolt' },
      to: { assignee: people.ana, waitedMs: 60 * MINUTE_MS, afterMs: 60 * MINUTE_MS },
    });

    const line = test.fake
      .okCalls('chat.postMessage')
      .find((call) => String(call.args.text).includes(`deskbolt reminded <@${people.ana}>`));
    expect(line?.args).toMatchObject({ channel: channels.billingAlerts, thread_ts: expect.any(String) });

    // Every minute's run after that: nothing more for Ana, and nothing for the lead before four hours.
    for (let minute = 61; minute < 240; minute += 30) {
      test.clock.set(new Date(takenAt + minute * MINUTE_MS));
      await test.deskbolt.jobs.run(reminders);
    }
    expect(remindersTo(test.fake, people.ana, number, 'has waited on you')).toHaveLength(1);
    expect(remindersTo(test.fake, people.lead, number, 'has waited on')).toHaveLength(0);

    test.clock.set(new Date(takenAt + 240 * MINUTE_MS));
    expect(await test.deskbolt.jobs.run(reminders)).toMatchObject({ result: { leadsTold: 1, assigneesReminded: 0 } });
    const told = remindersTo(test.fake, people.lead, number, `has waited on <@${people.ana}> for 4 hours`);
    expect(told).toHaveLength(1);
    expect(told[0]).toContain('in Billing');
    expect(await eventsOf(test.store, number, 'lead_reminded')).toMatchObject([
      { actor: { kind: 'system' }, to: { assignee: people.ana, leads: [people.lead] } },
    ]);

    test.clock.advance(3 * 24 * HOUR_MS);
    await test.deskbolt.jobs.run(reminders);
    expect(remindersTo(test.fake, people.ana, number, 'has waited on you')).toHaveLength(1);
    expect(remindersTo(test.fake, people.lead, number, 'has waited on')).toHaveLength(1);
    expect(await eventsOf(test.store, number, 'assignee_reminded')).toHaveLength(1);
  });

  it('the threshold is per priority: an urgent ticket reminds after 15 minutes; a priority without one never does', async () => {
    const test = await deskOf();
    const low = await takenByAna(test, { priority: 'low' });
    const urgent = await takenByAna(test, { priority: 'urgent' });
    test.clock.advance(15 * MINUTE_MS);
    await test.deskbolt.jobs.run(reminders);
    expect(remindersTo(test.fake, people.ana, urgent, 'has waited on you for 15 minutes')).toHaveLength(1);
    test.clock.advance(10 * 24 * HOUR_MS);
    await test.deskbolt.jobs.run(reminders);
    expect(await eventsOf(test.store, low, 'assignee_reminded')).toHaveLength(0);
    expect(await eventsOf(test.store, low, 'lead_reminded')).toHaveLength(0);
  });

  it('a note by the assignee starts a new wait: one reminder for each wait, never two for one', async () => {
    const test = await deskOf();
    const number = await takenByAna(test);
    test.clock.advance(60 * MINUTE_MS);
    await test.deskbolt.jobs.run(reminders);
    expect(remindersTo(test.fake, people.ana, number, 'has waited on you')).toHaveLength(1);

    await test.slack.blockAction(people.ana, { action_id: actionIds.note, value: String(number) });
    await test.settled();
    const view = test.fake.okCalls('views.open').at(-1)!.response.view;
    await test.slack.viewSubmission(people.ana, {
      id: view.id,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, { [replyFields.text]: 'Asked finance about the double charge.' }),
    });
    await test.settled();
    test.clock.advance(59 * MINUTE_MS);
    await test.deskbolt.jobs.run(reminders);
    expect(remindersTo(test.fake, people.ana, number, 'has waited on you')).toHaveLength(1);
    test.clock.advance(MINUTE_MS);
    await test.deskbolt.jobs.run(reminders);
    await test.deskbolt.jobs.run(reminders);
    expect(remindersTo(test.fake, people.ana, number, 'has waited on you')).toHaveLength(2);
  });

  it('after a clock jump forward each reminder goes once; moved back and forward again, nothing repeats', async () => {
    const test = await deskOf();
    const number = await takenByAna(test);
    const takenAt = test.clock.now().getTime();
    test.clock.set(new Date(takenAt + 9 * HOUR_MS));
    await test.deskbolt.jobs.run(reminders);
    await test.deskbolt.jobs.run(reminders);
    test.clock.set(new Date(takenAt + 90 * MINUTE_MS));
    await test.deskbolt.jobs.run(reminders);
    test.clock.set(new Date(takenAt + 10 * HOUR_MS));
    await test.deskbolt.jobs.run(reminders);
    expect(remindersTo(test.fake, people.ana, number, 'has waited on you')).toHaveLength(1);
    expect(remindersTo(test.fake, people.lead, number, 'has waited on')).toHaveLength(1);
    expect(await eventsOf(test.store, number, 'assignee_reminded')).toHaveLength(1);
    expect(await eventsOf(test.store, number, 'lead_reminded')).toHaveLength(1);
  });
});

describe('business hours from the SLA settings count for the assignee and the lead', () => {
  it('an hour of business time: Friday 16:30 taken, nothing over the weekend, the reminder on Monday at 09:30', async () => {
    const workspace = remindingWorkspace({
      sla: { targets: {}, businessHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' } },
    });
    const test = await deskOf({ workspace, clock: new TestClock('2026-11-06T16:29:00Z') });
    const number = await takenByAna(test);
    expect(test.clock.now().toISOString()).toBe('2026-11-06T16:30:00.000Z');
    for (const at of ['2026-11-06T17:30:00Z', '2026-11-07T12:00:00Z', '2026-11-09T09:29:00Z']) {
      test.clock.set(at);
      await test.deskbolt.jobs.run(reminders);
    }
    expect(remindersTo(test.fake, people.ana, number, 'has waited on you')).toHaveLength(0);
    test.clock.set('2026-11-09T09:30:00Z');
    await test.deskbolt.jobs.run(reminders);
    const [reminder] = remindersTo(test.fake, people.ana, number, 'has waited on you for 60 minutes (business hours)');
    expect(reminder).toBeDefined();
  });
});

describe('two replicas', () => {
  it('running the job at the same moment: one runs it, and each reminder goes once', async () => {
    const store = closing(await openTestStore('remindreplicas'));
    const fake = closing(await FakeSlack.start());
    const clock = new TestClock();
    const a = closing(await startTestDesk({ store, fake, clock, workspace: remindingWorkspace() }));
    const b = closing(await startTestDesk({ store, fake, clock, workspace: remindingWorkspace() }));
    const numbers = [await takenByAna(a), await takenByAna(b), await takenByAna(a)];
    clock.advance(5 * HOUR_MS);
    const runs = await Promise.all([a.deskbolt.jobs.run(reminders), b.deskbolt.jobs.run(reminders)]);
    expect(runs.filter((run) => run.ran)).toHaveLength(1);
    await Promise.all([a.settled(), b.settled()]);
    for (const number of numbers) {
      expect(remindersTo(fake, people.ana, number, 'has waited on you')).toHaveLength(1);
      expect(remindersTo(fake, people.lead, number, 'has waited on')).toHaveLength(1);
    }
  });

  it('even without the lease, two replicas sweeping at once record and send each reminder once', async () => {
    const store = closing(await openTestStore('remindnolease'));
    const fake = closing(await FakeSlack.start());
    const clock = new TestClock();
    const a = closing(await startTestDesk({ store, fake, clock, workspace: remindingWorkspace() }));
    const b = closing(await startTestDesk({ store, fake, clock, workspace: remindingWorkspace() }));
    const numbers = [await takenByAna(a), await takenByAna(a), await takenByAna(b)];
    clock.advance(5 * HOUR_MS);
    await Promise.all([sendReminders(a.deskbolt.desk, clock.now()), sendReminders(b.deskbolt.desk, clock.now())]);
    await Promise.all([a.settled(), b.settled()]);
    for (const number of numbers) {
      expect(await eventsOf(store, number, 'assignee_reminded')).toHaveLength(1);
      expect(remindersTo(fake, people.ana, number, 'has waited on you')).toHaveLength(1);
      expect(remindersTo(fake, people.lead, number, 'has waited on')).toHaveLength(1);
    }
  });

  it('a reminder recorded by a replica that died before telling anyone is sent by the leftovers sweep, once', async () => {
    const test = await deskOf();
    const number = await takenByAna(test);
    test.clock.advance(HOUR_MS);
    const desk = test.deskbolt.desk;
    // The replica that records it dies before handing its events out: they stay in the ticket's outbox.
    const dying = { ...desk, events: { ...desk.events, ticketChanged() {}, ticketsChanged() {} } };
    expect(await sendReminders(dying, test.clock.now())).toMatchObject({ assigneesReminded: 1 });
    await test.deskbolt.jobs.run(reminders);
    expect(remindersTo(test.fake, people.ana, number, 'has waited on you')).toHaveLength(0);

    test.clock.advance(2 * MINUTE_MS);
    await test.deskbolt.jobs.run(deskJob('sweep-leftovers'));
    await test.deskbolt.jobs.run(reminders);
    await test.deskbolt.jobs.run(deskJob('sweep-leftovers'));
    expect(remindersTo(test.fake, people.ana, number, 'has waited on you')).toHaveLength(1);
    expect(await eventsOf(test.store, number, 'assignee_reminded')).toHaveLength(1);
  });

  it('a reminder Slack refused at first is sent by the delivery retries, once, and not recorded again', async () => {
    const test = await deskOf();
    const number = await takenByAna(test);
    test.clock.advance(HOUR_MS);
    test.fake.failNext('chat.postMessage', 'internal_error', (args) => String(args.text).includes('has waited on you'));
    await test.deskbolt.jobs.run(reminders);
    expect(remindersTo(test.fake, people.ana, number, 'has waited on you')).toHaveLength(0);
    await test.deskbolt.jobs.run(reminders);
    test.clock.advance(2 * MINUTE_MS);
    await test.deskbolt.jobs.run(deskJob('delivery-retries'));
    await test.deskbolt.jobs.run(deskJob('delivery-retries'));
    await test.deskbolt.jobs.run(reminders);
    expect(remindersTo(test.fake, people.ana, number, 'has waited on you')).toHaveLength(1);
    expect(await eventsOf(test.store, number, 'assignee_reminded')).toHaveLength(1);
  });
});
