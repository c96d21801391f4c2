import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionIds } from '../blocks/ids.js';
import { chatSteps } from './support/chats.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people } from './support/workspace.js';

/** Bolt asks Slack who the bot is (auth.test) before a listener runs; deskbolt lets it ask once, not per request. */
describe('who the bot is', () => {
  let desk: TestDesk;
  beforeEach(async () => {
    desk = await startTestDesk();
  });
  afterEach(async () => {
    await desk.close();
  });

  it('is asked of Slack at most once for the life of the app, whatever comes in', async () => {
    const steps = chatSteps(desk);
    await desk.slack.command(people.ana, '/ticket', 'help');
    await desk.slack.command(people.ana, '/ticket', 'new Printer on fire');
    const chat = await steps.liveChat('UREQB001', people.ana);
    await steps.replyInThread(people.ana, chat, 'On it');
    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.endChat, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.slack.globalShortcut(people.ben, 'new_ticket');
    await desk.slack.event({ type: 'app_home_opened', user: people.ben, tab: 'home' });
    await desk.settled();

    expect(desk.fake.okCalls('chat.postMessage').length).toBeGreaterThan(3);
    expect(desk.fake.authTests()).toBe(1);
  });

  it('is asked again after Slack failed to answer, and then kept', async () => {
    desk.fake.failNext('auth.test', 'fatal_error');
    await desk.slack.command(people.ana, '/ticket', 'new First try');
    await desk.slack.command(people.ana, '/ticket', 'new Second try');
    await desk.slack.command(people.ana, '/ticket', 'new Third try');
    await desk.settled();

    expect(desk.fake.calls('auth.test').map((call) => call.ok)).toEqual([false, true]);
    expect(desk.fake.okCalls('views.open')).toHaveLength(2);
  });
});
