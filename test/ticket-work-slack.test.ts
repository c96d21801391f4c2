import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  actionIds,
  callbackIds,
  escalationFields,
  linkFields,
  macroSaveFields,
  mergeFields,
  replyFields,
} from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { retryDueDeliveries, webhookSignature } from '../src/tickets/deliveries.js';
import { replyToTicket } from '../src/tickets/reply.js';
import type { Ticket } from '../src/tickets/types.js';
import { fileTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { type ReceivedPost, WebhookReceiver } from './support/webhook-receiver.js';
import { channels, people, testWorkspace } from './support/workspace.js';

const SECRET = 'webhook-secret-0123456789';
const fullForm = {
  [replyFields.rootCause]: 'Card declined',
  [replyFields.category]: 'Payments',
  [replyFields.subcategory]: 'Refund',
};

/** The agent's day through signed Slack requests: card, reply modal, deliveries, merge, escalation, problems, macros. */
describe('working a ticket from Slack', () => {
  let desk: TestDesk;
  let receiver: WebhookReceiver;
  let received: ReceivedPost[];
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    received = receiver.received;
    const url = receiver.url;
    desk = await startTestDesk({
      workspace: testWorkspace({ outboundWebhook: { url, secret: SECRET, allowPrivateNetwork: true } }),
    });
  });
  afterAll(async () => {
    await desk.close();
    await receiver.close();
  });
  beforeEach(() => desk.fake.clearCalls());

  const file = (overrides: Parameters<typeof fileTicket>[1] = {}) => fileTicket(desk.deskbolt.desk, overrides);
  const lastAnswer = () => desk.fake.responses().at(-1)!.body;
  const openedView = () => desk.fake.okCalls('views.open').at(-1)!.response.view;
  const updatedView = () => desk.fake.okCalls('views.update').at(-1)!.response.view;
  const dmsTo = (user: string) => desk.fake.dmsTo(user);

  async function openReply(user: string, ticket: Ticket, button: string = actionIds.reply) {
    await desk.slack.blockAction(user, { action_id: button, value: String(ticket.number) });
    await desk.settled();
    return openedView();
  }

  async function submit(user: string, view: any, answers: Record<string, unknown>) {
    const response = await desk.slack.viewSubmission(user, {
      id: view.id,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, answers),
    });
    await desk.settled();
    return response;
  }

  it('the card offers what the agent may do now, and nothing to a non-agent', async () => {
    const ticket = await file();
    await desk.slack.command(people.ana, '/ticket', `show ${ticket.number}`);
    await desk.settled();
    const buttons = JSON.stringify(lastAnswer().blocks);
    for (const id of [
      actionIds.take,
      actionIds.reply,
      actionIds.note,
      actionIds.macro,
      actionIds.solve,
      actionIds.merge,
      actionIds.escalate,
      actionIds.problem,
    ])
      expect(buttons).toContain(id);
    await desk.slack.command(people.customer, '/ticket', `show ${ticket.number}`);
    await desk.settled();
    expect(JSON.stringify(lastAnswer().blocks)).not.toContain(actionIds.reply);
    await desk.slack.blockAction(people.outsider, { action_id: actionIds.reply, value: String(ticket.number) });
    await desk.settled();
    expect(lastAnswer().text).toContain('only support agents');
    expect(desk.fake.okCalls('views.open')).toHaveLength(0);
  });

  it('solving without the form shows the missing field on the modal and saves nothing; with it, the requester gets a DM', async () => {
    const ticket = await file();
    const view = await openReply(people.ana, ticket);
    expect(view.title.text).toBe(`Reply to #${ticket.number}`);
    const state = viewStateFrom(view, {});
    expect(state.values[`${replyFields.rootCause}__1`]![replyFields.rootCause].selected_option.text.text).toBe(
      'Card declined',
    );
    expect(state.values[`${replyFields.kind}__1`]![replyFields.kind].selected_option.value).toBe('public');

    const refused = await submit(people.ana, view, { [replyFields.text]: 'Refunded', [replyFields.status]: 'solved' });
    expect(refused.json).toEqual({
      response_action: 'errors',
      errors: { [`${replyFields.category}__1`]: 'A category is needed to solve the ticket.' },
    });
    expect(refused.problems ?? []).toEqual([]);
    expect(await desk.store.tickets.get(ticket.number)).toMatchObject({ status: 'new', version: ticket.version });
    expect(await desk.store.tickets.comments(ticket.number)).toHaveLength(0);

    const done = await submit(people.ana, view, {
      [replyFields.text]: 'Refunded today.',
      [replyFields.status]: 'solved',
      ...fullForm,
    });
    expect(done.body).toBe('');
    expect(await desk.store.tickets.get(ticket.number)).toMatchObject({
      status: 'solved',
      assignee: people.ana,
      form: { rootCause: 'Card declined', category: 'Payments', subcategory: 'Refund' },
    });
    const [dm, survey] = dmsTo(people.customer).slice(-2);
    expect(dm!.args.text).toContain(`#${ticket.number}`);
    expect(dm!.args.text).toContain('Refunded today.');
    // After the solution, and only then, the requester is asked how it went.
    expect(survey!.args.text).toBe(`How did we do on #${ticket.number}?`);
    const actions = (await desk.store.tickets.history(ticket.number)).map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(['replied', 'status_changed', 'form_changed', 'delivered']));
  });

  it('a macro adds to what was typed (internal by default) by views.update; the category narrows the sub-categories; an article links into the text', async () => {
    const ticket = await file({ subject: 'Forgot password', description: 'cannot login' });
    const view = await openReply(people.ana, ticket, actionIds.macro);
    expect(viewStateFrom(view, {}).values[`${replyFields.kind}__1`]![replyFields.kind].selected_option.value).toBe(
      'internal',
    );
    const found = await desk.slack.blockSuggestion(
      people.ana,
      { action_id: replyFields.macro, value: 'refund' },
      { view },
    );
    expect(found.problems ?? []).toEqual([]);
    await desk.slack.blockAction(
      people.ana,
      { action_id: replyFields.macro, selected_option: found.json.options[0] },
      { view: { ...view, state: viewStateFrom(view, { [replyFields.text]: 'draft' }) } },
    );
    await desk.settled();
    const filled = updatedView();
    const filledState = viewStateFrom(filled, {});
    // The macro's text follows the draft the agent had typed; nothing typed is wiped.
    expect(filledState.values[`${replyFields.text}__2`]![replyFields.text].value).toBe(
      'draft\n\nWe have issued a refund of {amount}.',
    );
    expect(filledState.values[`${replyFields.kind}__2`]![replyFields.kind].selected_option.value).toBe('internal');
    expect(filledState.values[`${replyFields.rootCause}__2`]![replyFields.rootCause].selected_option.text.text).toBe(
      'Card declined',
    );

    await desk.slack.blockAction(
      people.ana,
      { action_id: replyFields.category, selected_option: 'Account' },
      { view: { ...filled, state: viewStateFrom(filled, { [replyFields.category]: 'Account' }) } },
    );
    await desk.settled();
    const narrowed = updatedView();
    const sub = narrowed.blocks.find((block: any) => block.block_id === `${replyFields.subcategory}__3`);
    expect(sub.element.options.map((o: any) => o.text.text)).toEqual(['Login', 'Profile']);
    expect(viewStateFrom(narrowed, {}).values[`${replyFields.text}__3`]![replyFields.text].value).toBe(
      'draft\n\nWe have issued a refund of {amount}.',
    );

    const suggested = narrowed.blocks.find((block: any) => block.accessory?.action_id === replyFields.linkArticle);
    expect(suggested.text.text).toBe(
      '<https://help.example.com/reset|Resetting your password>\nUse *Forgot password* &amp; check mail &lt;!channel&gt;',
    );
    await desk.slack.blockAction(
      people.ana,
      { action_id: replyFields.linkArticle, value: suggested.accessory.value },
      { view: { ...narrowed, state: viewStateFrom(narrowed, {}) } },
    );
    await desk.settled();
    const linked = viewStateFrom(updatedView(), {}).values[`${replyFields.text}__4`]![replyFields.text].value;
    expect(linked).toContain('Resetting your password: https://help.example.com/reset');

    await submit(people.ana, updatedView(), { [replyFields.status]: 'open' });
    const [comment] = await desk.store.tickets.comments(ticket.number);
    expect(comment).toMatchObject({ kind: 'internal' });
    expect(dmsTo(people.customer).filter((call) => String(call.args.text).includes('refund'))).toHaveLength(0);
  });

  it('of two agents submitting on the same version, the second is told it changed and nothing of theirs is written', async () => {
    const ticket = await file();
    const anaView = await openReply(people.ana, ticket);
    const benView = await openReply(people.ben, ticket);
    await submit(people.ana, anaView, { [replyFields.text]: 'Ana answers', [replyFields.status]: 'pending' });
    const second = await submit(people.ben, benView, {
      [replyFields.text]: 'Ben answers',
      [replyFields.status]: 'open',
    });
    expect(second.json.response_action).toBe('errors');
    expect(second.json.errors[`${replyFields.text}__1`]).toContain('changed since you opened it');
    expect((await desk.store.tickets.comments(ticket.number)).map((c) => c.text)).toEqual(['Ana answers']);
    expect(await desk.store.tickets.get(ticket.number)).toMatchObject({
      status: 'pending',
      assignee: people.ana,
      pendingSince: desk.clock.now(),
    });
  });

  it('keeps a Mongo operator typed in a reply as text', async () => {
    const ticket = await file();
    const view = await openReply(people.ana, ticket, actionIds.note);
    await submit(people.ana, view, { [replyFields.text]: '{"$gt":""}', [replyFields.status]: 'open' });
    expect((await desk.store.tickets.comments(ticket.number)).map((c) => c.text)).toEqual(['{"$gt":""}']);
  });

  it('delivers a public reply to an email requester by a signed POST to the outbound webhook', async () => {
    const ticket = await file({ requester: { kind: 'email', email: 'dana@example.com', name: 'Dana' } });
    const view = await openReply(people.ana, ticket);
    await submit(people.ana, view, { [replyFields.text]: 'Hello Dana', [replyFields.status]: 'open' });
    const post = received.at(-1)!;
    expect(JSON.parse(post.body)).toMatchObject({ ticket: ticket.number, to: { email: 'dana@example.com' } });
    expect(post.headers['x-deskbolt-signature']).toBe(
      webhookSignature(SECRET, String(post.headers['x-deskbolt-timestamp']), post.body),
    );
  });

  it('`/ticket merge N into M` confirms with both, then copies comments, tells the requester and closes the source', async () => {
    const target = await file({ subject: 'Charged twice' });
    const source = await file({ subject: 'Double charge again' });
    await replyToTicket(desk.deskbolt.desk, {
      number: source.number,
      agent: people.ana,
      text: 'Checking',
      kind: 'internal',
      status: 'open',
    });
    await desk.slack.command(people.ana, '/ticket', `merge ${source.number} into ${target.number}`);
    await desk.settled();
    const confirm = openedView();
    expect(confirm.callback_id).toBe(callbackIds.mergeConfirm);
    expect(JSON.stringify(confirm.blocks)).toContain(`#${source.number}`);
    expect(JSON.stringify(confirm.blocks)).toContain(`#${target.number}`);
    await submit(people.ana, confirm, {});
    expect(await desk.store.tickets.get(source.number)).toMatchObject({ status: 'closed', mergedInto: target.number });
    const notes = await desk.store.tickets.comments(target.number);
    expect(notes.map((c) => c.kind)).toEqual(['internal', 'internal']);
    expect(
      dmsTo(people.customer).some((call) =>
        String(call.args.text).includes(`now handled together with #${target.number}`),
      ),
    ).toBe(true);

    await desk.slack.command(people.ana, '/ticket', `merge ${target.number} into ${target.number}`);
    await desk.settled();
    expect(lastAnswer().text).toBe(`#${target.number} cannot be merged into itself.`);
    await desk.slack.command(people.ana, '/ticket', `merge ${target.number} into ${source.number}`);
    await desk.settled();
    expect(lastAnswer().text).toContain('merged into');
  });

  it('Merge from the card asks for the target, refuses a wrong one on the field, then confirms', async () => {
    const target = await file();
    const source = await file();
    await desk.slack.blockAction(people.ben, { action_id: actionIds.merge, value: String(source.number) });
    await desk.settled();
    const pick = openedView();
    const wrong = await submit(people.ben, pick, { [mergeFields.target]: '99999' });
    expect(wrong.json).toEqual({
      response_action: 'errors',
      errors: { [mergeFields.target]: 'There is no ticket #99999.' },
    });
    const next = await submit(people.ben, pick, { [mergeFields.target]: `#${target.number}` });
    expect(next.json.response_action).toBe('update');
    expect(next.json.view.callback_id).toBe(callbackIds.mergeConfirm);
    expect(next.problems ?? []).toEqual([]);
  });

  it('Escalate shows groups with ids, requires the note, and alerts the other group with Take it', async () => {
    const ticket = await file();
    await desk.slack.blockAction(people.ana, { action_id: actionIds.take, value: String(ticket.number) });
    await desk.slack.blockAction(people.ana, { action_id: actionIds.escalate, value: String(ticket.number) });
    await desk.settled();
    const view = openedView();
    expect(JSON.stringify(view.blocks)).toContain('PayOps (20)');
    const noNote = await submit(people.ana, view, { [escalationFields.group]: '20', [escalationFields.note]: '   ' });
    expect(noNote.json.errors[escalationFields.note]).toContain('Write a note');
    expect((await desk.store.tickets.get(ticket.number))!.groupId).toBe(10);
    await submit(people.ana, view, {
      [escalationFields.group]: '20',
      [escalationFields.note]: 'Gateway returns 502 for this card',
    });
    expect(await desk.store.tickets.get(ticket.number)).toMatchObject({ groupId: 20, assignee: null, status: 'open' });
    // The ticket's live message moves: PayOps' channel gets it with Take it, the note in its thread;
    // Billing's message says where it went.
    const moved = desk.fake
      .okCalls('chat.postMessage')
      .find((call) => call.args.channel === channels.payopsAlerts && !call.args.thread_ts)!;
    expect(JSON.stringify(moved.args.blocks)).toContain(actionIds.take);
    const note = desk.fake.messages(channels.payopsAlerts).find((message) => message.threadTs === moved.response.ts)!;
    expect(note.text).toContain('Escalated from Billing to PayOps');
    expect(note.text).toContain('Gateway returns 502 for this card');
    const billing = desk.fake
      .messages(channels.billingAlerts)
      .find((message) => !message.threadTs && message.text?.startsWith(`#${ticket.number} moved to PayOps`));
    expect(billing).toBeDefined();
  });

  it('solving a problem from the modal solves its incidents, each requester told by DM', async () => {
    const problem = await file({ subject: 'Gateway down' });
    const incident = await file({ requester: { kind: 'slack', userId: people.lead } });
    await desk.slack.command(people.ana, '/ticket', `link ${incident.number} to ${problem.number}`);
    await desk.settled();
    expect(lastAnswer().text).toContain(`incident of problem #${problem.number}`);
    await desk.slack.command(people.ana, '/ticket', `show ${incident.number}`);
    await desk.settled();
    expect(JSON.stringify(lastAnswer().blocks)).toContain(`Incident of problem *#${problem.number}*`);
    const view = await openReply(people.ana, (await desk.store.tickets.get(problem.number))!, actionIds.solve);
    await submit(people.ana, view, { [replyFields.text]: 'The gateway is back up.', ...fullForm });
    expect(await desk.store.tickets.get(incident.number)).toMatchObject({ status: 'solved' });
    expect(dmsTo(people.lead).some((call) => String(call.args.text).includes('The gateway is back up.'))).toBe(true);
    // Each requester whose ticket was solved gets a survey of their own.
    expect(dmsTo(people.lead).at(-1)!.args.text).toBe(`How did we do on #${incident.number}?`);
  });

  it('`/ticket macro save` saves a personal macro, listed first; the one over the limit is refused on the name field', async () => {
    for (let i = 1; i <= 20; i++) {
      await desk.slack.command(people.cho, '/ticket', `macro save mine-${i}`);
      await desk.settled();
      await submit(people.cho, openedView(), { [macroSaveFields.text]: `text ${i}` });
    }
    await desk.slack.command(people.cho, '/ticket', 'macro save one-too-many');
    await desk.settled();
    const over = await submit(people.cho, openedView(), { [macroSaveFields.text]: 'nope' });
    expect(over.json.errors[macroSaveFields.name]).toContain('20 personal macros, the limit');
    const ticket = await file();
    const view = await openReply(people.cho, ticket);
    const mine = await desk.slack.blockSuggestion(
      people.cho,
      { action_id: replyFields.macro, value: 'mine' },
      { view },
    );
    expect(mine.json.options).toHaveLength(20);
  });

  it('Link to problem from the card refuses a wrong number on the field, then links; the problem’s card lists it', async () => {
    const problem = await file({ subject: 'Outage' });
    const incident = await file();
    await desk.slack.blockAction(people.ana, { action_id: actionIds.link, value: String(incident.number) });
    await desk.settled();
    const view = openedView();
    const self = await submit(people.ana, view, { [linkFields.problem]: String(incident.number) });
    expect(self.json.errors[linkFields.problem]).toBe('A ticket cannot be an incident of itself.');
    await submit(people.ana, view, { [linkFields.problem]: `#${problem.number}` });
    expect(await desk.store.tickets.get(incident.number)).toMatchObject({ problemOf: problem.number });
    await desk.slack.command(people.ana, '/ticket', `show ${problem.number}`);
    await desk.settled();
    expect(JSON.stringify(lastAnswer().blocks)).toContain(`1 incident(s): #${incident.number}`);
  });

  it('“Save this text as my macro” in the reply modal saves it for the agent’s picker', async () => {
    const ticket = await file();
    const view = await openReply(people.ben, ticket, actionIds.note);
    await submit(people.ben, view, {
      [replyFields.text]: 'Asked finance to check the ledger.',
      [replyFields.status]: 'open',
      [replyFields.saveAsMacro]: 'Ledger check',
    });
    const mine = await desk.store.macros.ofAgent(people.ben);
    expect(mine).toMatchObject([{ name: 'Ledger check', text: 'Asked finance to check the ledger.', public: false }]);
  });

  it('a DM that Slack refuses is shown on the card and retried by the retry loop', async () => {
    const ticket = await file();
    await desk.settled();
    // The reply sets off four posts at once (the requester's DM, three lines in the alert's thread): the
    // refusal is meant for the DM, whichever of them reaches Slack first.
    const requesterDm = [people.customer, desk.fake.dmChannelOf(people.customer)];
    desk.fake.failNext('chat.postMessage', 'ratelimited', (args) => requesterDm.includes(args.channel));
    const view = await openReply(people.ana, ticket);
    await submit(people.ana, view, { [replyFields.text]: 'Are you there?', [replyFields.status]: 'open' });
    expect((await desk.store.tickets.history(ticket.number)).map((e) => e.action)).toContain('delivery_failed');
    await desk.slack.command(people.ana, '/ticket', `show ${ticket.number}`);
    await desk.settled();
    expect(JSON.stringify(lastAnswer().blocks)).toContain('did not reach the requester');
    desk.clock.advance(61_000);
    const sent: string[] = [];
    const run = await retryDueDeliveries(desk.deskbolt.desk, desk.clock.now(), {
      slack: async (delivery) =>
        void sent.push(`${delivery.to?.kind === 'slack' ? delivery.to.userId : ''}:${delivery.text}`),
    });
    expect(run).toMatchObject({ delivered: 1 });
    expect(sent[0]).toContain('Are you there?');
    await desk.slack.command(people.ana, '/ticket', `show ${ticket.number}`);
    await desk.settled();
    expect(JSON.stringify(lastAnswer().blocks)).not.toContain('did not reach the requester');
  });
});
