import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionIds, callbackIds, chatEmailFields } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { chatSteps } from './support/chats.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { WebhookReceiver } from './support/webhook-receiver.js';
import { channels, people, testWorkspace } from './support/workspace.js';

/**
 * Slack answers a call over its rate limit with HTTP 429 and Retry-After. That call waits and tries
 * again; nothing else waits behind it, least of all a modal, whose trigger_id lives 3 seconds.
 */
describe('rate limits', () => {
  let desk: TestDesk;
  let receiver: WebhookReceiver;
  let steps: ReturnType<typeof chatSteps>;
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    desk = await startTestDesk({
      workspace: testWorkspace({
        outboundWebhook: { url: receiver.url, secret: 'a-webhook-secret-of-32-characters', allowPrivateNetwork: true },
      }),
    });
    steps = chatSteps(desk);
  });
  afterAll(async () => {
    await desk.close();
    await receiver.close();
  });
  beforeEach(() => desk.fake.clearCalls());

  it('a views.open due while chat.postMessage is rate limited (Retry-After: 5) opens the modal at once; the message goes out 5 s later', async () => {
    desk.fake.rateLimitNext('chat.postMessage', 5);
    await desk.slack.message('UREQR001', 'My card was charged twice');
    await desk.clock.someoneSleeps();

    const opened = desk.fake.nextCall('views.open');
    await desk.slack.command(people.ana, '/ticket', 'new Printer on fire');
    expect((await opened).ok).toBe(true);
    expect(desk.fake.calls('chat.postMessage').map((call) => call.status)).toEqual([429]);

    desk.clock.advance(5_000);
    await desk.settled();
    const posted = desk.fake.calls('chat.postMessage');
    expect(posted.map((call) => call.status)).toEqual([429, 200, 200]);
    expect(posted[1]!.args.channel).toBe(channels.billingAlerts);
    expect(posted[1]!.args.text).toBe(posted[0]!.args.text);
  });

  it('a rate-limited views.open is not retried: its trigger would have expired', async () => {
    desk.fake.rateLimitNext('views.open', 1);
    await desk.slack.command(people.ana, '/ticket', 'new Printer on fire');
    await desk.settled();
    expect(desk.fake.calls('views.open').map((call) => call.status)).toEqual([429]);
  });

  it('the chat-email modal is answered at once; the address is looked up in Slack after the ack', async () => {
    desk.fake.addUser({ id: 'UREQR002', name: 'dana', realName: 'Dana Smith', email: 'dana@example.com' });
    const chat = await steps.liveChat('UREQR002', people.ana);
    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.emailDuringChat, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
    const form = desk.fake.okCalls('views.open').at(-1)!.args.view;
    desk.fake.rateLimitNext('users.info', 5);

    const submitted = await desk.slack.viewSubmission(people.ana, {
      callback_id: callbackIds.chatEmail,
      private_metadata: form.private_metadata,
      state: viewStateFrom(form, { [chatEmailFields.text]: 'Your invoice is attached' }),
    });
    expect(submitted.json).toMatchObject({
      response_action: 'update',
      view: { blocks: [{ text: { text: ':hourglass_flowing_sand: Sending the email…' } }] },
    });
    await desk.clock.someoneSleeps();
    expect(desk.fake.calls('users.info').map((call) => call.status)).toEqual([429]);

    desk.clock.advance(5_000);
    await desk.settled();
    expect(JSON.parse(receiver.received.at(-1)!.body)).toMatchObject({
      to: { email: 'dana@example.com' },
      text: expect.stringContaining('Your invoice is attached'),
    });
    expect(JSON.stringify(desk.fake.okCalls('views.update').at(-1)!.args.view.blocks)).toContain(
      'Emailed the requester of chat',
    );
  });

  it('a refusal found after the ack reopens the form with the reason and the words kept', async () => {
    desk.fake.addUser({ id: 'UREQR003', name: 'eli', realName: 'Eli Moss' });
    const chat = await steps.liveChat('UREQR003', people.ana);
    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.emailDuringChat, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
    const form = desk.fake.okCalls('views.open').at(-1)!.args.view;
    await desk.slack.viewSubmission(people.ana, {
      callback_id: callbackIds.chatEmail,
      private_metadata: form.private_metadata,
      state: viewStateFrom(form, { [chatEmailFields.text]: 'Hello Eli' }),
    });
    await desk.settled();

    const again = desk.fake.okCalls('views.update').at(-1)!.args.view;
    expect(JSON.stringify(again.blocks)).toContain('Not sent: Slack does not share an email address');
    expect(viewStateFrom(again, {}).values[chatEmailFields.text]![chatEmailFields.text]!.value).toBe('Hello Eli');
  });
});
