import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callbackIds, newTicketFields } from '../blocks/ids.js';
import type { SimResponse } from '../src/fake-slack/requests.js';
import {
  blockActions,
  blockSuggestion,
  eventEnvelope,
  globalShortcut,
  meMessage,
  messageShortcut,
  reactionAdded,
  sharedFile,
  slashCommand,
  unfurlAttachment,
  viewClosed,
  viewSubmissionWithoutState,
} from './fixtures/slack-payloads.js';
import { chatSteps } from './support/chats.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people } from './support/workspace.js';

/** The app answers payloads in the shapes Slack's own SDKs record, signed as Slack signs them. */
describe('payloads as Slack sends them', () => {
  let desk: TestDesk;
  const logs: string[] = [];
  beforeAll(async () => {
    desk = await startTestDesk({ logs });
  });
  afterAll(async () => {
    await desk.close();
  });
  beforeEach(() => {
    desk.fake.clearCalls();
    logs.length = 0;
  });

  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
  function sendForm(body: string): Promise<SimResponse> {
    return desk.slack.raw(body, { ...form, ...desk.slack.sign(body, Date.now() / 1000) });
  }
  function sendPayload(payload: Record<string, unknown>): Promise<SimResponse> {
    return sendForm(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
  }
  function sendEvent(envelope: Record<string, unknown>): Promise<SimResponse> {
    const body = JSON.stringify(envelope);
    return desk.slack.raw(body, { 'Content-Type': 'application/json', ...desk.slack.sign(body, Date.now() / 1000) });
  }

  it.each([
    ['a view_closed of a modal of its own', () => viewClosed(callbackIds.newTicket, people.ana)],
    ['a view_closed of a callback id it never used', () => viewClosed('view-id')],
    ['a button of an action id it never rendered', () => blockActions('a')],
    ['a global shortcut of another id', () => globalShortcut('test-shortcut')],
    ['a message shortcut of another id', () => messageShortcut('test-shortcut', 'W111', '111.222.xxx')],
    ['a block_suggestion nothing serves', () => blockSuggestion()],
  ])('acknowledges %s at once, and does nothing', async (_what, payload) => {
    const answer = await sendPayload(payload());
    await desk.settled();
    expect(answer.status).toBe(200);
    expect(desk.fake.calls().filter((call) => call.method !== 'auth.test')).toEqual([]);
    expect(logs).toEqual([]);
  });

  it('acknowledges an unknown command and an event type it does not handle', async () => {
    const command = await sendForm(
      slashCommand('/hello-world', 'Hi', 'W111', desk.fake.triggerId(), desk.fake.responseUrl()),
    );
    const event = await sendEvent(eventEnvelope(reactionAdded, 'Ev0REACTION1'));
    await desk.settled();
    expect([command.status, event.status]).toEqual([200, 200]);
    expect(desk.fake.calls().filter((call) => call.method !== 'auth.test')).toEqual([]);
    expect(logs).toEqual([]);
  });

  it('answers a submission whose view.state is {} with field errors, never a crash', async () => {
    const answer = await sendPayload(viewSubmissionWithoutState(callbackIds.newTicket, people.ana));
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      response_action: 'errors',
      errors: { [newTicketFields.subject]: expect.any(String) },
    });
    expect(logs).toEqual([]);
  });

  it.each([
    callbackIds.createFromMessage,
    callbackIds.transferChat,
    callbackIds.chatNote,
    callbackIds.satisfactionComment,
  ])('answers a %s submission without state, and saves nothing', async (callbackId) => {
    const tickets = await desk.store.models.Ticket.countDocuments();
    const answer = await sendPayload(viewSubmissionWithoutState(callbackId, people.ana));
    await desk.settled();
    expect(answer.status).toBe(200);
    expect(logs.filter((line) => line.includes('listener failed'))).toEqual([]);
    expect(await desk.store.models.Ticket.countDocuments()).toBe(tickets);
  });

  it.each([
    [callbackIds.transferChat, 'Pick who should take the chat.'],
    [callbackIds.chatNote, 'Write the note.'],
  ])('says on the form what a %s submission without state lacks', async (callbackId, sentence) => {
    // Another person than the test above, so the body (and its signature) is not a replay of that one.
    const answer = await sendPayload(viewSubmissionWithoutState(callbackId, people.ben));
    expect(Object.values((answer.json as { errors: Record<string, string> }).errors)).toEqual([sentence]);
  });

  it('prefills `/ticket new` from the text Slack sends (`Printer &amp; scanner`) with the words typed', async () => {
    await sendForm(
      slashCommand('/ticket', 'new Printer &amp; scanner', people.ana, desk.fake.triggerId(), desk.fake.responseUrl()),
    );
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.args.view;
    const subject = view.blocks.find((block: { block_id?: string }) => block.block_id === newTicketFields.subject);
    expect(subject.element.initial_value).toBe('Printer & scanner');
  });

  it('files a shortcut message with names for its mentions, and its attachments’ and files’ words and links', async () => {
    desk.fake.addUser({ id: 'W222', name: 'wendy', realName: 'Wendy Wu' });
    await sendPayload(
      messageShortcut('create_ticket', people.ben, desk.fake.triggerId(), {
        attachments: [unfurlAttachment],
        files: [sharedFile],
      }),
    );
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.args.view;
    const prefill = (blockId: string) =>
      view.blocks.find((block: { block_id?: string }) => block.block_id === blockId).element.initial_value;
    expect(prefill(newTicketFields.subject)).toBe('@wendy test');
    expect(prefill(newTicketFields.description)).toBe(
      [
        '@wendy test',
        'Shared from <status>\nVPN & proxy degraded (https://status.example.com/incidents/42)\nSince 09:00 UTC, see the incident (https://status.example.com/incidents/42)',
        'R&D <plan>.pdf (https://workspace-domain.slack.com/files/W111/F0SHARED1/plan.pdf)',
      ].join('\n\n'),
    );
  });

  it('relays a requester’s me_message like any message', async () => {
    const steps = chatSteps(desk);
    const chat = await steps.liveChat('UREQP001', people.ana);
    const ts = '1583636390.000500';
    desk.fake.addMessage({
      channel: chat.requesterDm,
      user: 'UREQP001',
      text: 'is checking the invoice &amp; receipt',
      ts,
    });
    await sendEvent(
      eventEnvelope(
        meMessage('UREQP001', chat.requesterDm, ts, 'is checking the invoice &amp; receipt'),
        'Ev0MEMESSAGE',
      ),
    );
    await desk.settled();
    // Read once on the way in, escaped once on the way out: `&amp;`, never `&amp;amp;`.
    expect(steps.threadMessages(chat).at(-1)!.text).toContain('is checking the invoice &amp; receipt');
  });
});
