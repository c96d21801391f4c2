import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionIds } from '../blocks/ids.js';
import { chatSteps } from './support/chats.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { expectHomeReadModelsMatchTickets } from './support/read-models.js';
import { people } from './support/workspace.js';

/** The agent's live chats on their Home, apart from tickets: who, how long since the requester wrote, whose turn. */
describe('my live chats at a glance', () => {
  let desk: TestDesk;
  let steps: ReturnType<typeof chatSteps>;
  beforeAll(async () => {
    desk = await startTestDesk({ afterSettled: expectHomeReadModelsMatchTickets });
    steps = chatSteps(desk);
  });
  afterAll(() => desk.close());
  beforeEach(() => desk.fake.clearCalls());

  async function homeText(user: string): Promise<string> {
    await desk.slack.event({ type: 'app_home_opened', user, tab: 'home' });
    await desk.settled();
    return (desk.fake.homeView(user)!.blocks as any[]).map((block) => block.text?.text ?? '').join('\n');
  }

  it('lists the agent’s live chats, their turn first and longest waiting first, and follows each message', async () => {
    const answered = await steps.liveChat('UREQM001', people.cho, 'Where is my parcel?');
    await steps.replyInThread(people.cho, answered, 'Let me look.');
    desk.clock.advance(60_000);
    const older = await steps.liveChat('UREQM002', people.cho, 'Refund <!channel> & more');
    desk.clock.advance(4 * 60_000);
    const newer = await steps.liveChat('UREQM003', people.cho, 'Card declined');
    desk.clock.advance(2 * 60_000);

    const text = await homeText(people.cho);
    expect(text).toContain('*Your live chats* (3, 2 waiting on you)');
    const lineOf = (number: number) => text.split('\n').findIndex((line) => line.includes(`*#${number}*`));
    // Most urgent first: the requester who has waited longest for Cho, then the newer one, then the chat waiting on its requester.
    expect(lineOf(older.ticketNumber)).toBeLessThan(lineOf(newer.ticketNumber));
    expect(lineOf(newer.ticketNumber)).toBeLessThan(lineOf(answered.ticketNumber));
    const lines = text.split('\n');
    expect(lines[lineOf(older.ticketNumber)]).toContain(`<@UREQM002>`);
    expect(lines[lineOf(older.ticketNumber)]).toContain('&lt;!channel&gt; &amp; more');
    expect(lines[lineOf(older.ticketNumber) + 1]).toContain('*your turn* · their last message 6 min ago');
    expect(lines[lineOf(newer.ticketNumber) + 1]).toContain('*your turn* · their last message 2 min ago');
    expect(lines[lineOf(answered.ticketNumber) + 1]).toContain('waiting on them · their last message 7 min ago');

    // Cho answers the oldest: the Home follows without the tab being opened, and it drops below the one still waiting.
    await steps.replyInThread(people.cho, older, 'Refund is on its way.');
    const after = (desk.fake.homeView(people.cho)!.blocks as any[]).map((block) => block.text?.text ?? '').join('\n');
    expect(after).toContain('*Your live chats* (3, 1 waiting on you)');
    expect(after.indexOf(`*#${newer.ticketNumber}*`)).toBeLessThan(after.indexOf(`*#${older.ticketNumber}*`));
    // The requester writes again: their turn is back.
    desk.clock.advance(60_000);
    await desk.slack.message('UREQM001', 'Any news?');
    await desk.settled();
    expect(
      (desk.fake.homeView(people.cho)!.blocks as any[]).map((block) => block.text?.text ?? '').join('\n'),
    ).toContain('(3, 2 waiting on you)');

    // An ended chat leaves the list; Ben, who has none, sees no such section.
    await desk.slack.blockAction(
      people.cho,
      { action_id: actionIds.endChat, value: String(answered.ticketNumber) },
      { channel: answered.thread.channel, message: { ts: answered.thread.ts } },
    );
    await desk.settled();
    const ended = (desk.fake.homeView(people.cho)!.blocks as any[]).map((block) => block.text?.text ?? '').join('\n');
    expect(ended).toContain('*Your live chats* (2, 1 waiting on you)');
    expect(ended).not.toContain(`*#${answered.ticketNumber}* <@`);
    expect(await homeText(people.ben)).not.toContain('*Your live chats*');
  });
});
