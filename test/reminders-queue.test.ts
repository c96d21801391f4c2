import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../src/clock.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import { sendReminders } from '../src/tickets/reminders.js';
import type { Workspace } from '../src/workspace/schema.js';
import { fileTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { channels, people, testWorkspace } from './support/workspace.js';

const reminders = deskJob('reminders');
const open: TestDesk[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

/** Billing's queue says so when a ticket has waited half an hour and nobody of Billing is online. */
function alertingWorkspace(): Workspace {
  return testWorkspace({
    groups: [
      {
        name: 'Billing',
        id: 10,
        alertChannel: channels.billingAlerts,
        intakeChannels: [channels.billingIntake],
        reminders: { queueAlert: { olderThanMinutes: 30 } },
      },
      { name: 'PayOps', id: 20, alertChannel: channels.payopsAlerts },
    ],
  });
}

async function deskOf(options: Parameters<typeof startTestDesk>[0] = {}): Promise<TestDesk> {
  const test = await startTestDesk({ workspace: alertingWorkspace(), ...options });
  open.push(test);
  return test;
}

function alerts(test: TestDesk): string[] {
  return test.fake
    .okCalls('chat.postMessage')
    .filter(
      (call) => call.args.channel === channels.billingAlerts && String(call.args.text).includes("in Billing's queue"),
    )
    .map((call) => String(call.args.text));
}

describe('a queue with old tickets and nobody online says so in its channel, at most once an hour', () => {
  it('at the threshold and not before; once in the hour, however often the job runs; again an hour later', async () => {
    const test = await deskOf();
    const first = await fileTicket({ ...test.deskbolt.desk, testClock: test.clock }, { subject: 'Refund <!here>' });
    await fileTicket({ ...test.deskbolt.desk, testClock: test.clock });
    const filedAt = first.createdAt.getTime();

    test.clock.set(new Date(filedAt + 29 * MINUTE_MS));
    await test.deskbolt.jobs.run(reminders);
    expect(alerts(test)).toEqual([]);

    test.clock.set(new Date(filedAt + 30 * MINUTE_MS));
    expect(await test.deskbolt.jobs.run(reminders)).toMatchObject({ result: { queuesAlerted: 1 } });
    expect(alerts(test)).toEqual([
      `:hourglass: 2 tickets wait in Billing's queue, the oldest (#${first.number}) for 30 min, and nobody of Billing is online.`,
    ]);

    for (let minute = 31; minute < 90; minute += 7) {
      test.clock.set(new Date(filedAt + minute * MINUTE_MS));
      await test.deskbolt.jobs.run(reminders);
    }
    expect(alerts(test)).toHaveLength(1);

    test.clock.set(new Date(filedAt + 90 * MINUTE_MS));
    await test.deskbolt.jobs.run(reminders);
    expect(alerts(test)).toHaveLength(2);
  });

  it('says nothing while someone of the group is online, or when the queue is empty', async () => {
    const test = await deskOf();
    const ticket = await fileTicket({ ...test.deskbolt.desk, testClock: test.clock });
    await test.slack.command(people.ben, '/ticket', 'status online');
    await test.settled();
    test.clock.advance(3 * 60 * MINUTE_MS);
    await test.deskbolt.jobs.run(reminders);
    expect(alerts(test)).toEqual([]);

    await test.slack.command(people.ben, '/ticket', `take ${ticket.number}`);
    await test.slack.command(people.ben, '/ticket', 'status offline');
    await test.settled();
    test.clock.advance(3 * 60 * MINUTE_MS);
    await test.deskbolt.jobs.run(reminders);
    expect(alerts(test)).toEqual([]);
  });

  it('two replicas sweeping at the same moment alert once', async () => {
    const test = await deskOf();
    const other = await deskOf({ store: test.store, fake: test.fake, clock: test.clock });
    await fileTicket({ ...test.deskbolt.desk, testClock: test.clock });
    test.clock.advance(45 * MINUTE_MS);
    await Promise.all([
      sendReminders(test.deskbolt.desk, test.clock.now()),
      sendReminders(other.deskbolt.desk, test.clock.now()),
    ]);
    await Promise.all([test.settled(), other.settled()]);
    expect(alerts(test)).toHaveLength(1);
  });
});
