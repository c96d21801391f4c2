import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionIds, callbackIds } from '../blocks/ids.js';
import { ticketEvent } from '../src/events/ticket-events.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { webhookSignature } from '../src/tickets/deliveries.js';
import { openTicket } from '../src/tickets/intake.js';
import { surveyToken } from '../src/tickets/satisfaction.js';
import type { Requester, Ticket } from '../src/tickets/types.js';
import { changeTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { type ReceivedPost, WebhookReceiver } from './support/webhook-receiver.js';
import { people, testWorkspace } from './support/workspace.js';

const SECRET = 'webhook-secret-0123456789abcdef';

/** "How did we do?" after a solve: once per solve, a second answer replaces the first. */
describe('satisfaction survey', () => {
  let desk: TestDesk;
  let hook: WebhookReceiver;
  let delivered: ReceivedPost[];

  beforeAll(async () => {
    hook = await WebhookReceiver.start();
    delivered = hook.received;
    const url = hook.url;
    desk = await startTestDesk({
      workspace: testWorkspace({ outboundWebhook: { url, secret: SECRET, allowPrivateNetwork: true } }),
      config: { publicUrl: 'https://desk.example.com' },
    });
  });
  afterAll(async () => {
    await desk.close();
    await hook.close();
  });
  beforeEach(() => desk.fake.clearCalls());

  /** Issue 3's solve, played here by its one atomic change (status solved), handed out as the workflow would: the survey follows. */
  async function solvedTicket(requester: Requester): Promise<Ticket> {
    const d = desk.deskbolt.desk;
    const filed = await openTicket(
      d,
      { subject: 'Refund missing', requester, groupId: 10 },
      { actor: { kind: 'agent', id: people.ana }, channel: 'slack', source: { kind: 'modal' } },
    );
    if (!filed.ok) throw new Error(JSON.stringify(filed));
    return solve(filed.ticket.number);
  }

  async function solve(number: number): Promise<Ticket> {
    const now = desk.clock.now();
    const solved = await changeTicket(
      desk.deskbolt.desk,
      number,
      {},
      { status: 'solved', assignee: people.ana, solvedAt: now },
      ticketEvent('status_changed', { kind: 'agent', id: people.ana }, now, {
        from: { status: 'open' },
        to: { status: 'solved' },
      }),
      now,
    );
    await desk.settled();
    return solved!;
  }

  /** The same solve handed out again (a retry after a crash): nothing more is asked. */
  async function handOutAgain(ticket: Ticket): Promise<void> {
    desk.deskbolt.desk.events.recorded({
      ...ticketEvent('status_changed', { kind: 'agent', id: people.ana }, desk.clock.now(), {
        from: { status: 'open' },
        to: { status: 'solved' },
      }),
      id: `again-${ticket.version}`,
      ticketNumber: ticket.number,
    });
    await desk.settled();
  }

  const surveyOf = (ticket: Ticket) => desk.store.satisfaction.get(ticket.number, ticket.version);
  const ratings = async (number: number) =>
    (await desk.store.tickets.history(number))
      .filter((e) => e.action === 'satisfaction_rated')
      .map((e) => (e.to as { rating: string }).rating);

  it('asks a Slack requester once per solve, and a second click changes the answer instead of adding one', async () => {
    const ticket = await solvedTicket({ kind: 'slack', userId: people.customer });
    await handOutAgain(ticket);
    const asked = desk.fake.dmsTo(people.customer).filter((call) => call.args.text.startsWith('How did we do'));
    expect(asked).toHaveLength(1);
    expect(asked[0]!.args.text).toBe(`How did we do on #${ticket.number}?`);
    const message = { ts: asked[0]!.response.ts, text: asked[0]!.args.text };
    const channel = asked[0]!.response.channel;

    await desk.slack.blockAction(
      people.customer,
      { action_id: actionIds.rateGood, value: `${ticket.number}:${ticket.version}` },
      { message, channel },
    );
    await desk.settled();
    expect(await surveyOf(ticket)).toMatchObject({ rating: 'good', agent: people.ana });
    expect(desk.fake.okCalls('views.open').at(-1)!.args.view.callback_id).toBe(callbackIds.satisfactionComment);
    expect(JSON.stringify(desk.fake.responses().at(-1)!.body.blocks)).toContain('You said *Good :+1:*');
    // The solver's home shows the answer in their week's figures.
    const anaHome = desk.fake
      .okCalls('views.publish')
      .filter((call) => call.args.user_id === people.ana)
      .at(-1);
    expect(JSON.stringify(anaHome?.args.view.blocks)).toMatch(/:\+1: [1-9]/);

    await desk.slack.blockAction(
      people.customer,
      { action_id: actionIds.rateBad, value: `${ticket.number}:${ticket.version}` },
      { message, channel },
    );
    await desk.settled();
    await desk.slack.blockAction(
      people.customer,
      { action_id: actionIds.rateBad, value: `${ticket.number}:${ticket.version}` },
      { message, channel },
    );
    await desk.settled();
    expect(await surveyOf(ticket)).toMatchObject({ rating: 'bad' });
    expect(await desk.store.connection.collection('satisfaction').countDocuments({ ticketNumber: ticket.number })).toBe(
      1,
    );
    expect(await ratings(ticket.number)).toEqual(['good', 'bad']);

    // The optional comment, from the modal the click opened.
    const modal = desk.fake.okCalls('views.open').at(-1)!.args.view;
    await desk.slack.viewSubmission(people.customer, {
      callback_id: modal.callback_id,
      private_metadata: modal.private_metadata,
      state: viewStateFrom(modal, { csat_comment_text: 'Took two days.' }),
    });
    await desk.settled();
    expect(await surveyOf(ticket)).toMatchObject({ rating: 'bad', comment: 'Took two days.' });
  });

  it('refuses an answer from someone else, and a made-up solve', async () => {
    const ticket = await solvedTicket({ kind: 'slack', userId: people.customer });
    await desk.slack.blockAction(people.outsider, {
      action_id: actionIds.rateBad,
      value: `${ticket.number}:${ticket.version}`,
    });
    await desk.settled();
    expect(desk.fake.responses().at(-1)!.body.text).toContain('Only the person who asked');
    await desk.slack.blockAction(people.customer, {
      action_id: actionIds.rateBad,
      value: `${ticket.number}:${ticket.version + 7}`,
    });
    await desk.settled();
    expect(desk.fake.responses().at(-1)!.body.text).toContain('has no survey for that solve');
    expect(await surveyOf(ticket)).toMatchObject({ rating: null });
    expect(await ratings(ticket.number)).toEqual([]);
  });

  it('asks again after the ticket is reopened and solved a second time', async () => {
    const first = await solvedTicket({ kind: 'slack', userId: people.customer });
    const now = desk.clock.now();
    await changeTicket(
      desk.deskbolt.desk,
      first.number,
      {},
      { status: 'open', solvedAt: null },
      ticketEvent('reopened', { kind: 'requester', id: people.customer }, now, {
        from: { status: 'solved' },
        to: { status: 'open', commentId: 'not-stored' },
      }),
      now,
    );
    const second = await solve(first.number);
    const surveys = () => desk.fake.dmsTo(people.customer).filter((call) => call.args.text.startsWith('How did we do'));
    expect(surveys()).toHaveLength(2);
    await handOutAgain(second);
    expect(surveys()).toHaveLength(2);
  });

  it('asks an email requester through the signed webhook, and the signed link answers through the API', async () => {
    delivered.length = 0;
    const ticket = await solvedTicket({ kind: 'email', email: 'erin@example.com', name: 'Erin' });
    expect(delivered).toHaveLength(1);
    const { headers, body } = delivered[0]!;
    // Signed exactly like a public reply's delivery: one scheme for the bridge to check.
    expect(headers['x-deskbolt-signature']).toBe(
      webhookSignature(SECRET, String(headers['x-deskbolt-timestamp']), body),
    );
    const payload = JSON.parse(body);
    const token = surveyToken(SECRET, { number: ticket.number, solve: ticket.version });
    expect(payload).toMatchObject({
      type: 'satisfaction_requested',
      deliveryId: `survey:${ticket.number}:${ticket.version}`,
      ticket: ticket.number,
      to: { kind: 'email', email: 'erin@example.com' },
      survey: { token, url: `https://desk.example.com/api/v1/satisfaction/${token}`, ratings: ['good', 'bad'] },
    });

    const api = `http://127.0.0.1:${desk.deskbolt.port}/api/v1/satisfaction`;
    const post = (t: string, answer: unknown) =>
      fetch(`${api}/${t}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(answer),
      });
    expect(await (await fetch(`${api}/${token}`)).json()).toEqual({
      ticket: { number: ticket.number, subject: 'Refund missing' },
      rating: null,
      comment: null,
    });
    expect((await post(token, { rating: 'bad', comment: 'Slow.' })).status).toBe(200);
    const changed = await post(token, { rating: 'good' });
    expect(await changed.json()).toMatchObject({ rating: 'good', comment: 'Slow.' });
    expect(await ratings(ticket.number)).toEqual(['bad', 'good']);
    const rated = (await desk.store.tickets.history(ticket.number)).filter(
      (event) => event.action === 'satisfaction_rated',
    );
    expect(rated.at(-1)!.actor).toEqual({ kind: 'requester', id: 'erin@example.com', name: 'Erin' });
    expect((await desk.store.tickets.history(ticket.number)).some((event) => event.action === 'delivered')).toBe(true);

    // Forged, altered or foreign tokens are unknown; a bad answer is a 422.
    const forged = surveyToken('another-secret-0123456789', { number: ticket.number, solve: ticket.version });
    const otherSolve = `${ticket.number}.${ticket.version + 1}.${token.split('.')[2]}`;
    for (const bad of [forged, otherSolve, 'nonsense']) {
      expect((await fetch(`${api}/${bad}`)).status).toBe(404);
      expect((await post(bad, { rating: 'bad' })).status).toBe(404);
    }
    const invalid = await post(token, { rating: 'meh' });
    expect(invalid.status).toBe(422);
    expect(((await invalid.json()) as any).error.path).toBe('rating');
    expect((await post(token, { rating: { $ne: null } })).status).toBe(422);
    expect(await desk.store.satisfaction.get(ticket.number, ticket.version)).toMatchObject({ rating: 'good' });
  });
});
