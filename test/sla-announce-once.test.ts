import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deskJob } from '../src/jobs/desk-jobs.js';
import { fileTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { channels, testWorkspace } from './support/workspace.js';

const MINUTE = 60_000;

/**
 * Two replicas on one FerretDB can both win the watch's conditional write (its writes are not atomic
 * across processes), so the same warning can be recorded twice. The announcement itself is keyed by
 * ticket, clock and deadline, so it is made once whatever the lease and the marks do.
 */
describe('an SLA warning recorded twice', () => {
  let desk: TestDesk;
  beforeAll(async () => {
    desk = await startTestDesk({
      workspace: testWorkspace({
        groups: [
          { name: 'Billing', id: 10, alertChannel: channels.billingAlerts, intakeChannels: [channels.billingIntake] },
          { name: 'PayOps', id: 20, alertChannel: channels.payopsAlerts },
        ],
        sla: { targets: { urgent: { firstReply: '30m', resolution: '4h' } } },
      }),
    });
  });
  afterAll(async () => {
    await desk.close();
  });

  const slaAlerts = (number: number) =>
    desk.fake
      .okCalls('chat.postMessage')
      .filter(
        (call) =>
          call.args.channel === channels.billingAlerts &&
          !call.args.thread_ts &&
          String(call.args.text).startsWith(`#${number} will breach`),
      );

  it('is announced once in the alert channel', async () => {
    const ticket = await fileTicket(desk.deskbolt.desk, { priority: 'urgent' });
    desk.clock.advance(25 * MINUTE);
    await desk.deskbolt.jobs.run(deskJob('sla-watch'));
    expect(slaAlerts(ticket.number)).toHaveLength(1);
    const [warning] = (await desk.store.tickets.history(ticket.number)).filter(
      (event) => event.action === 'sla_warning',
    );

    // The other replica read the ticket before this one's mark and recorded the same warning.
    const now = desk.clock.now();
    await desk.store.tickets.record(ticket.number, { fields: {} }, {}, [
      { actor: warning!.actor, action: 'sla_warning', to: warning!.to, at: now },
    ]);
    desk.deskbolt.desk.events.ticketChanged(ticket.number);
    await desk.settled();
    await desk.deskbolt.jobs.run(deskJob('delivery-retries'));

    expect(
      (await desk.store.tickets.history(ticket.number)).filter((event) => event.action === 'sla_warning'),
    ).toHaveLength(2);
    expect(slaAlerts(ticket.number)).toHaveLength(1);
  });
});
