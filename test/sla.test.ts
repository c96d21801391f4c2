import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { actionIds, replyFields } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import { addCountedMs, calendarOf, countedMs, slaState } from '../src/tickets/sla.js';
import type { Ticket } from '../src/tickets/types.js';
import { parseWorkspace } from '../src/workspace/loader.js';
import { fileTicket } from './support/desk.js';
import { useTestDesk } from './support/use-test-desk.js';
import { channels, people, testWorkspace } from './support/workspace.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const API_KEY = 'dk_test_sla_0123456789abcdef';

const slaWorkspace = (businessHours = false) =>
  testWorkspace({
    apiKeys: [{ name: 'mail-bridge', sha256: createHash('sha256').update(API_KEY).digest('hex'), scope: 'all' }],
    groups: [
      {
        name: 'Billing',
        id: 10,
        alertChannel: channels.billingAlerts,
        intakeChannels: [channels.billingIntake],
        timeZone: 'Europe/Berlin',
      },
      { name: 'PayOps', id: 20, alertChannel: channels.payopsAlerts },
    ],
    sla: {
      targets: { urgent: { firstReply: '30m', resolution: '4h' }, high: { firstReply: '1h' } },
      ...(businessHours
        ? { businessHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' } }
        : {}),
    },
  });

function ticketAt(createdAt: string, overrides: Partial<Ticket> = {}): Ticket {
  return {
    number: 1001,
    subject: 'x',
    description: '',
    requester: { kind: 'slack', userId: people.customer },
    status: 'open',
    assignee: null,
    groupId: 10,
    priority: 'urgent',
    form: {},
    channel: 'slack',
    source: { kind: 'dm' },
    createdAt: new Date(createdAt),
    updatedAt: new Date(createdAt),
    pendingSince: null,
    solvedAt: null,
    closedAt: null,
    mergedInto: null,
    version: 1,
    ...overrides,
  };
}

describe('SLA clocks (pure)', () => {
  const workspace = slaWorkspace();
  const business = slaWorkspace(true);

  it('counts around the clock, warns at 80% and breaches after the target', () => {
    const ticket = ticketAt('2026-11-02T09:00:00Z');
    const at = (time: string) => slaState(ticket, new Date(`2026-11-02T${time}:00Z`), workspace);
    expect(at('09:10').firstReply).toMatchObject({
      status: 'running',
      remainingMs: 20 * MINUTE,
      dueAt: new Date('2026-11-02T09:30:00Z'),
    });
    expect(at('09:25').firstReply).toMatchObject({ status: 'at_risk', remainingMs: 5 * MINUTE });
    expect(at('09:40').firstReply).toMatchObject({ status: 'breached', remainingMs: -10 * MINUTE, dueAt: null });
    const replied = { ...ticket, firstReplyAt: new Date('2026-11-02T09:20:00Z') };
    expect(slaState(replied, new Date('2026-11-02T12:00:00Z'), workspace).firstReply).toMatchObject({
      status: 'met',
      elapsedMs: 20 * MINUTE,
      stopped: true,
    });
    // A priority without targets has no clocks.
    expect(slaState({ ...ticket, priority: 'normal' }, new Date(), workspace)).toEqual({
      firstReply: null,
      resolution: null,
    });
  });

  it('stands the resolution clock still while pending, and while solved before a reopen', () => {
    const ticket = ticketAt('2026-11-02T09:00:00Z', {
      firstReplyAt: new Date('2026-11-02T09:10:00Z'),
      status: 'pending',
      pendingSince: new Date('2026-11-02T11:00:00Z'),
      slaPauses: [{ from: new Date('2026-11-02T09:30:00Z'), to: new Date('2026-11-02T10:00:00Z') }],
    });
    const pending = slaState(ticket, new Date('2026-11-02T20:00:00Z'), workspace).resolution!;
    // 09:00–11:00 counted, minus the half hour it was pending before: 1 h 30 of 4 h.
    expect(pending).toMatchObject({ status: 'paused', elapsedMs: 90 * MINUTE, remainingMs: 150 * MINUTE, dueAt: null });
    const solved = slaState(
      { ...ticket, status: 'solved', pendingSince: null, solvedAt: new Date('2026-11-02T12:00:00Z') },
      new Date('2026-11-03T00:00:00Z'),
      workspace,
    ).resolution!;
    expect(solved).toMatchObject({ status: 'met', elapsedMs: 150 * MINUTE });
  });

  it('with business hours counts only those, in the group’s time zone, across weekends and a DST change', () => {
    const berlin = calendarOf(business, 10)!;
    // Friday 16:00 → Monday 10:00 in Berlin (UTC+1 in November): two business hours.
    expect(countedMs(new Date('2026-11-06T15:00:00Z'), new Date('2026-11-09T09:00:00Z'), berlin)).toBe(2 * HOUR);
    expect(addCountedMs(new Date('2026-11-06T15:30:00Z'), HOUR, berlin)).toEqual(new Date('2026-11-09T08:30:00Z'));
    // The week of the change to summer time (29 March 2026) still has five days of 8 h.
    expect(countedMs(new Date('2026-03-27T00:00:00Z'), new Date('2026-04-03T00:00:00Z'), berlin)).toBe(40 * HOUR);
    // Five weeks at once (the whole-week shortcut) and day by day agree.
    expect(countedMs(new Date('2026-03-27T00:00:00Z'), new Date('2026-05-01T00:00:00Z'), berlin)).toBe(5 * 40 * HOUR);
    // From Friday 11:00 (CET), across the change: the first two hours of that Friday do not count.
    expect(countedMs(new Date('2026-03-27T10:00:00Z'), new Date('2026-05-01T00:00:00Z'), berlin)).toBe(
      5 * 40 * HOUR - 2 * HOUR,
    );
    expect(addCountedMs(new Date('2026-03-27T10:00:00Z'), 5 * 40 * HOUR - 2 * HOUR, berlin)).toEqual(
      new Date('2026-04-30T15:00:00Z'),
    );
    // PayOps has no zone of its own: the SLA's (UTC).
    expect(calendarOf(business, 20)!.zone).toBe('UTC');

    const friday = ticketAt('2026-11-06T15:50:00Z');
    expect(slaState(friday, new Date('2026-11-07T12:00:00Z'), business).firstReply).toMatchObject({
      status: 'running',
      elapsedMs: 10 * MINUTE,
      dueAt: new Date('2026-11-09T08:20:00Z'),
    });
    expect(slaState(friday, new Date('2026-11-09T08:15:00Z'), business).firstReply!.status).toBe('at_risk');
  });

  it('the workspace file refuses a duration, a time or a zone it cannot read, naming the field', () => {
    const result = parseWorkspace(`
groups:
  - { name: A, id: 1, alertChannel: C0AAAAAAA, timeZone: Mars/Olympus }
sla:
  targets: { urgent: { firstReply: 4 hours } }
  businessHours: { days: [mon], start: "9am", end: "17:00" }
`);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toEqual(
        expect.arrayContaining([
          'groups[0].timeZone: expected an IANA time zone such as Europe/Berlin',
          'sla.targets.urgent.firstReply: expected a duration such as 30m, 4h or 2d',
          'sla.businessHours.start: expected a time such as 09:00',
        ]),
      );
    }
  });
});

describe('SLAs on the desk', () => {
  const desk = useTestDesk({ workspace: slaWorkspace() });

  const slaAlerts = () =>
    desk.fake
      .okCalls('chat.postMessage')
      .filter(
        (call) =>
          call.args.channel === channels.billingAlerts && !call.args.thread_ts && /target/.test(String(call.args.text)),
      );
  /** The ticket's live message in its group's channel, as it stands, and the lines in its thread. */
  const liveMessage = (number: number) => {
    const messages = desk.fake.messages(channels.billingAlerts);
    const live = messages.find((message) => !message.threadTs && message.text?.startsWith(`#${number} `))!;
    return {
      blocks: JSON.stringify(live.blocks),
      thread: messages.filter((message) => message.threadTs === live.ts).map((message) => message.text ?? ''),
    };
  };
  const cardOf = async (number: number) => {
    await desk.slack.command(people.ana, '/ticket', `show ${number}`);
    await desk.settled();
    return JSON.stringify(desk.fake.responses().at(-1)!.body.blocks);
  };
  const watch = () => desk.deskbolt.jobs.run(deskJob('sla-watch'));
  const actions = async (number: number) => (await desk.store.tickets.history(number)).map((event) => event.action);

  it('the card shows time left; about to breach is announced once in the alert channel; the breach is an event', async () => {
    const ticket = await fileTicket(desk.deskbolt.desk, { priority: 'urgent' });
    expect(await cardOf(ticket.number)).toContain(
      ':stopwatch: *SLA* · first reply due in 30 min · resolution due in 4 h',
    );
    expect(liveMessage(ticket.number).blocks).toContain(
      ':stopwatch: *SLA* · first reply due in 30 min · resolution due in 4 h',
    );

    desk.clock.advance(25 * MINUTE);
    await watch();
    const [warning] = slaAlerts();
    expect(warning!.args.text).toBe(
      `#${ticket.number} will breach its first reply target in 5 min: Card was charged twice`,
    );
    expect(JSON.stringify(warning!.args.blocks)).toContain(actionIds.take);
    await watch();
    expect(slaAlerts()).toHaveLength(1);

    desk.clock.advance(10 * MINUTE);
    await watch();
    expect(slaAlerts()).toHaveLength(1);
    expect(await actions(ticket.number)).toEqual(['created', 'sla_warning', 'sla_breached']);
    const breach = (await desk.store.tickets.history(ticket.number)).at(-1)!;
    expect(breach.to).toMatchObject({ clock: 'firstReply', overByMs: 5 * MINUTE, warned: true });
    expect(await cardOf(ticket.number)).toContain(':rotating_light: first reply *breached* (over by 5 min)');
    // The live message shows where the clocks stand, and its thread has a line for the warning and the breach.
    const live = liveMessage(ticket.number);
    expect(live.blocks).toContain(
      ':rotating_light: first reply *breached* (over by 5 min) · resolution due in 3 h 25 min',
    );
    expect(live.thread).toEqual([
      ':hourglass: About to breach its first reply target: 5 min left',
      ':rotating_light: Breached its first reply target (over by 5 min)',
    ]);
    // Recording SLA marks changed nothing an agent edits.
    expect((await desk.store.tickets.get(ticket.number))!.version).toBe(ticket.version);
  });

  it('a public reply stops the first-reply clock; pending stops the resolution clock; a requester reply starts it again', async () => {
    const ticket = await fileTicket(desk.deskbolt.desk, {
      priority: 'urgent',
      requester: { kind: 'email', email: 'dana@example.com', name: 'Dana' },
    });
    desk.clock.advance(10 * MINUTE);
    await desk.slack.blockAction(people.ana, { action_id: actionIds.reply, value: String(ticket.number) });
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.response.view;
    // The job runs while the form is open: the agent's submission still goes through.
    await watch();
    await desk.slack.viewSubmission(people.ana, {
      id: view.id,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, { [replyFields.text]: 'Which order was it?', [replyFields.status]: 'pending' }),
    });
    await desk.settled();
    const pending = (await desk.store.tickets.get(ticket.number))!;
    expect(pending).toMatchObject({ status: 'pending', firstReplyAt: desk.clock.now() });
    expect(await cardOf(ticket.number)).toContain('first reply met (10 min of 30 min)');

    desk.clock.advance(6 * HOUR);
    await watch();
    expect(await actions(ticket.number)).not.toContain('sla_breached');
    expect(await cardOf(ticket.number)).toContain('resolution paused while pending (3 h 50 min left)');

    // The requester writes again (by email, through the REST API): the ticket opens and the clock runs again.
    const answered = await fetch(`http://127.0.0.1:${desk.deskbolt.port}/api/v1/tickets/${ticket.number}/comments`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'Order 88' }),
    });
    expect(answered.status).toBe(201);
    await desk.settled();
    const open = (await desk.store.tickets.get(ticket.number))!;
    expect(open.status).toBe('open');
    expect(open.slaPauses).toEqual([{ from: pending.pendingSince, to: desk.clock.now() }]);
    desk.clock.advance(3 * HOUR + 40 * MINUTE);
    await watch();
    expect(
      (await desk.store.tickets.history(ticket.number)).find((event) => event.action === 'sla_warning')!.to,
    ).toMatchObject({ clock: 'resolution', remainingMs: 10 * MINUTE });
  });
  it('an announcement Slack refuses is retried by the delivery queue, and still made once', async () => {
    const ticket = await fileTicket(desk.deskbolt.desk, { priority: 'urgent' });
    const announced = () => slaAlerts().filter((call) => String(call.args.text).startsWith(`#${ticket.number} `));
    await desk.settled();
    desk.clock.advance(25 * MINUTE);
    // The warning's thread line and its announcement both fail.
    desk.fake.failNext('chat.postMessage', 'internal_error');
    desk.fake.failNext('chat.postMessage', 'internal_error');
    await watch();
    expect(announced()).toHaveLength(0);
    desk.clock.advance(2 * MINUTE);
    await desk.deskbolt.jobs.run(deskJob('delivery-retries'));
    await desk.settled();
    expect(announced().map((call) => call.args.text)).toEqual([
      `#${ticket.number} will breach its first reply target in 5 min: Card was charged twice`,
    ]);
    await desk.deskbolt.jobs.run(deskJob('delivery-retries'));
    await watch();
    expect(announced()).toHaveLength(1);
  });
});
