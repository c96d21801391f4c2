import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ORIGINAL_SECTIONS_PER_PAGE, originalMessageModal } from '../blocks/chat-desk.js';
import { actionIds, callbackIds, chatEmailFields } from '../blocks/ids.js';
import { ticketEvent } from '../src/events/ticket-events.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { validateView } from '../src/fake-slack/server.js';
import { chatSteps } from './support/chats.js';
import { changeTicket, fileTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { type ReceivedPost, WebhookReceiver } from './support/webhook-receiver.js';
import { people, testWorkspace } from './support/workspace.js';

const SECRET = 'webhook-secret-0123456789';

/** Email during a chat, and the requester panel: what Slack and deskbolt know, and the original message in full. */
describe('email during a chat and the requester panel', () => {
  let desk: TestDesk;
  let steps: ReturnType<typeof chatSteps>;
  let receiver: WebhookReceiver;
  let received: ReceivedPost[];
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    received = receiver.received;
    const url = receiver.url;
    desk = await startTestDesk({
      workspace: testWorkspace({
        outboundWebhook: { url, secret: SECRET, allowPrivateNetwork: true },
        chat: { shortcuts: [{ name: 'invoice', text: 'Dear {requester}, your invoice is attached.' }] },
      }),
    });
    steps = chatSteps(desk);
    desk.fake.addUser({
      id: 'UREQE001',
      name: 'dana',
      realName: 'Dana Smith',
      title: 'CFO',
      tz: 'Europe/Paris',
      email: 'dana@example.com',
    });
    desk.fake.addUser({ id: 'UREQE002', name: 'eli', realName: 'Eli Moss' });
  });
  afterAll(async () => {
    await desk.close();
    await receiver.close();
  });
  beforeEach(() => desk.fake.clearCalls());

  const repliedEvents = async (ticketNumber: number) =>
    (await desk.store.tickets.history(ticketNumber)).filter((event) => event.action === 'replied');
  async function command(user: string, text: string) {
    await desk.slack.command(user, '/ticket', text);
    await desk.settled();
    return steps.lastResponse();
  }

  it('the chat’s agent emails the requester by the webhook without ending the chat; it is one public reply', async () => {
    const chat = await steps.liveChat('UREQE001', people.ana);
    const posts = received.length;
    expect(await command(people.ana, `email ${chat.ticketNumber} Here is the invoice you asked for`)).toBe(
      `Emailed the requester of chat #${chat.ticketNumber} (dana@example.com); the chat goes on.`,
    );
    const post = JSON.parse(received.at(-1)!.body);
    expect(received).toHaveLength(posts + 1);
    expect(post).toMatchObject({
      type: 'ticket.reply',
      ticket: chat.ticketNumber,
      to: { kind: 'email', email: 'dana@example.com', name: 'Dana Smith' },
    });
    expect(post.text).toContain('Here is the invoice you asked for');
    expect((await desk.store.chats.get(chat.ticketNumber))!.state).toBe('live');
    // First-contact resolution counts public replies: the email is exactly one, like a chat reply.
    expect(await repliedEvents(chat.ticketNumber)).toHaveLength(1);
    expect((await repliedEvents(chat.ticketNumber))[0]!.to).toMatchObject({ via: 'email' });
    expect(steps.threadMessages(chat).at(-1)!.text).toContain(
      'emailed the requester (<mailto:dana@example.com|dana@example.com>): Here is the invoice you asked for',
    );
    expect(await steps.actions(chat.ticketNumber)).toContain('delivered');

    // The chat goes on, and its next reply is the second public reply.
    await steps.replyInThread(people.ana, chat, 'Sent it by email too');
    expect(steps.botMessages(chat.requesterDm).at(-1)!.text).toBe('*Ana:* Sent it by email too');
    expect(await repliedEvents(chat.ticketNumber)).toHaveLength(2);

    // By the chat's Email reply button and its modal, with a shortcut.
    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.emailDuringChat, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.args.view;
    expect(view.callback_id).toBe(callbackIds.chatEmail);
    await desk.slack.viewSubmission(people.ana, {
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, { [chatEmailFields.text]: '#invoice' }),
    });
    await desk.settled();
    expect(JSON.parse(received.at(-1)!.body).text).toContain('Dear Dana Smith, your invoice is attached.');
    expect(await repliedEvents(chat.ticketNumber)).toHaveLength(3);
    expect((await desk.store.chats.get(chat.ticketNumber))!.state).toBe('live');
  });

  it('refuses when Slack shares no address, or the writer is not the chat’s agent: nothing sent, nothing counted', async () => {
    const chat = await steps.liveChat('UREQE002', people.ana);
    const posts = received.length;
    expect(await command(people.ana, `email ${chat.ticketNumber} Hello`)).toBe(
      'Slack does not share an email address for <@UREQE002>, so no email can be sent. Reply in the chat instead.',
    );
    const dana = await steps.liveChat('UREQE003', people.ana);
    desk.fake.addUser({ id: 'UREQE003', name: 'fay', realName: 'Fay', email: 'fay@example.com' });
    expect(await command(people.ben, `email ${dana.ticketNumber} Hello`)).toBe(
      `Only the chat's agent (<@${people.ana}>) speaks to the requester of chat #${dana.ticketNumber}.`,
    );
    expect(await command(people.ana, `email ${dana.ticketNumber}    `)).toBe('Write the email first.');
    expect(await command(people.ana, `email ${dana.ticketNumber} #nope`)).toContain('There is no shortcut `#nope`');
    expect(received).toHaveLength(posts);
    expect(await repliedEvents(chat.ticketNumber)).toHaveLength(0);
    expect(await repliedEvents(dana.ticketNumber)).toHaveLength(0);
  });

  it('the panel of a Slack requester: name, title, time zone, email; their tickets, last chats and satisfaction answers', async () => {
    desk.fake.addUser({
      id: 'UREQE004',
      name: 'hal',
      realName: 'Hal Roe',
      title: 'CFO',
      tz: 'Europe/Paris',
      email: 'hal@example.com',
    });
    const earlier = await steps.liveChat('UREQE004', people.ana, 'First question');
    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.endChat, value: String(earlier.ticketNumber) },
      { channel: earlier.thread.channel, message: { ts: earlier.thread.ts } },
    );
    await desk.settled();
    const chat = await steps.liveChat('UREQE004', people.ben, 'Another question');
    const now = desk.clock.now();
    await changeTicket(
      desk.deskbolt.desk,
      earlier.ticketNumber,
      {},
      {},
      ticketEvent('satisfaction_rated', { kind: 'requester', id: 'UREQE001' }, now, {
        to: { rating: 'good', solve: 1, agent: null },
      }),
      now,
    );

    await desk.slack.blockAction(
      people.ben,
      { action_id: actionIds.requesterProfile, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
    const panel = desk.fake.okCalls('views.update').at(-1)!.args.view;
    expect(panel.callback_id).toBe(callbackIds.requesterProfile);
    const shown = JSON.stringify(panel.blocks);
    for (const fact of [
      'Hal Roe',
      'CFO',
      'Europe/Paris',
      'hal@example.com',
      `#${chat.ticketNumber}`,
      `#${earlier.ticketNumber}`,
      '*good*',
      `with <@${people.ben}>`,
    ])
      expect(shown).toContain(fact);
    expect(shown).not.toContain(actionIds.viewOriginal);
    expect(desk.fake.okCalls('users.info').some((call) => call.args.user === 'UREQE004')).toBe(true);
  });

  it('the panel of an email requester offers the full original message: a 10,000-character message in sections of at most 3000, never cut', async () => {
    const paragraph = 'The charge of 49.90 appeared twice on my statement & I need it reversed. ';
    const description = Array.from({ length: 200 }, (_, i) => `${i % 10 === 9 ? '\n' : ''}${paragraph}`)
      .join('')
      .slice(0, 10_000);
    expect(description).toHaveLength(10_000);
    const ticket = await fileTicket(desk.deskbolt.desk, {
      requester: { kind: 'email', email: 'gus@example.com', name: 'Gus Lee' },
      description,
    });
    await desk.slack.command(people.ana, '/ticket', `requester ${ticket.number}`);
    await desk.settled();
    const panel = desk.fake.okCalls('views.update').at(-1)!.args.view;
    expect(JSON.stringify(panel.blocks)).toContain('An email requester');
    expect(JSON.stringify(panel.blocks)).toContain('gus@example.com');
    const opened = desk.fake.okCalls('views.open').at(-1)!.response.view;

    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.viewOriginal, value: `${ticket.number}:0` },
      { view: opened.id },
    );
    await desk.settled();
    const original = desk.fake.okCalls('views.push').at(-1)!.args.view;
    expect(original.callback_id).toBe(callbackIds.originalMessage);
    const sections = original.blocks.filter((block: { type: string }) => block.type === 'section');
    expect(sections.length).toBeGreaterThanOrEqual(4);
    expect(sections.every((block: { text: { text: string } }) => block.text.text.length <= 3000)).toBe(true);
    expect(sections.map((block: { text: { text: string } }) => block.text.text).join('')).toBe(description);
  });

  it('a message past what one modal holds is paged, every page within Slack’s limits, and joins back whole', () => {
    const huge = 'word '.repeat(200_000);
    const ticket = {
      number: 4242,
      description: huge,
      requester: { kind: 'email', email: 'a@b.c', name: 'A' },
    } as never;
    const first = originalMessageModal(ticket, 0);
    const pages = Math.ceil(huge.length / 2500 / ORIGINAL_SECTIONS_PER_PAGE);
    let text = '';
    for (let page = 0; page < 20; page++) {
      const view = originalMessageModal(ticket, page);
      expect(validateView(view)).toEqual([]);
      expect(view.blocks.length).toBeLessThanOrEqual(100);
      const sections = view.blocks.filter((block) => block.type === 'section') as { text: { text: string } }[];
      text += sections.map((block) => block.text.text).join('');
      if (!JSON.stringify(view.blocks).includes('Next page')) break;
      if (page > 0) expect(JSON.stringify(view.blocks)).toContain('Previous page');
    }
    expect(text).toBe(huge);
    expect(JSON.stringify(first.blocks)).toContain('page 1 of');
    expect(pages).toBeGreaterThan(1);
  });

  it('refuses the panel to non-agents and for a ticket that does not exist', async () => {
    await desk.slack.command(people.outsider, '/ticket', 'requester 1001');
    await desk.settled();
    expect(steps.lastResponse()).toContain('only support agents');
    await desk.slack.command(people.ana, '/ticket', 'requester 99999');
    await desk.settled();
    expect(JSON.stringify(desk.fake.okCalls('views.update').at(-1)!.args.view.blocks)).toContain(
      'There is no ticket #99999.',
    );
  });
});
