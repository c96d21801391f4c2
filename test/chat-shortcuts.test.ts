import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatSteps } from './support/chats.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people, testWorkspace } from './support/workspace.js';

/** An agent types `#refund` in a chat thread; the requester gets the shortcut's text, filled in. */
describe('chat shortcuts', () => {
  let desk: TestDesk;
  let steps: ReturnType<typeof chatSteps>;
  let requesters = 0;
  beforeAll(async () => {
    desk = await startTestDesk({
      workspace: testWorkspace({
        chat: {
          shortcuts: [
            { name: 'refund', text: 'Hi {requester}, {agent} here: your refund is on its way.' },
            { name: 'bye', text: 'Thanks for chatting with us!' },
          ],
        },
      }),
    });
    steps = chatSteps(desk);
  });
  afterAll(async () => {
    await desk.close();
  });
  beforeEach(() => desk.fake.clearCalls());

  const newRequester = (realName: string) => {
    const id = `UREQS${String(++requesters).padStart(3, '0')}`;
    desk.fake.addUser({ id, name: realName.toLowerCase(), realName });
    return id;
  };
  const relayed = (chat: { requesterDm: string }) =>
    steps.botMessages(chat.requesterDm).map((message) => message.text ?? '');
  const publicReplies = async (ticketNumber: number) =>
    (await desk.store.tickets.comments(ticketNumber, { kinds: ['public'] }))
      .filter((comment) => comment.author.kind === 'agent')
      .map((comment) => comment.text);
  async function command(user: string, text: string) {
    await desk.slack.command(user, '/ticket', text);
    await desk.settled();
    return steps.lastResponse();
  }

  it('a reply that starts with a shared shortcut sends its text, with the requester’s and the agent’s names', async () => {
    const chat = await steps.liveChat(newRequester('Dana Smith'), people.ana);
    await steps.replyInThread(people.ana, chat, '#refund');
    expect(relayed(chat).at(-1)).toBe('*Ana:* Hi Dana Smith, Ana here: your refund is on its way.');
    await steps.replyInThread(people.ana, chat, '#BYE see you soon');
    expect(relayed(chat).at(-1)).toBe('*Ana:* Thanks for chatting with us! see you soon');
    await steps.replyInThread(people.ana, chat, '#bye, and\ntake care');
    expect(relayed(chat).at(-1)).toBe('*Ana:* Thanks for chatting with us!, and\ntake care');
    // The ticket keeps what the requester read, and each is one public reply.
    expect(await publicReplies(chat.ticketNumber)).toEqual([
      'Hi Dana Smith, Ana here: your refund is on its way.',
      'Thanks for chatting with us! see you soon',
      'Thanks for chatting with us!, and\ntake care',
    ]);
  });

  it('an edit into a shortcut updates the requester’s copy with its text; an edit into an unknown one leaves the copy', async () => {
    const chat = await steps.liveChat(newRequester('Ivy Park'), people.ana);
    const sent = await steps.replyInThread(people.ana, chat, 'Hello');
    const edit = (text: string, previous: string, at: string) =>
      desk.slack.event({
        type: 'message',
        subtype: 'message_changed',
        hidden: true,
        channel: sent.channel,
        ts: at,
        message: { type: 'message', user: people.ana, text, ts: sent.ts, thread_ts: chat.thread.ts },
        previous_message: { type: 'message', user: people.ana, text: previous, ts: sent.ts },
      });
    await edit('#bye', 'Hello', '5.5');
    await desk.settled();
    expect(relayed(chat).at(-1)).toBe('*Ana:* Thanks for chatting with us! _(edited)_');
    expect(await publicReplies(chat.ticketNumber)).toEqual(['Thanks for chatting with us!']);
    await edit('#nope', '#bye', '6.6');
    await desk.settled();
    expect(relayed(chat).at(-1)).toBe('*Ana:* Thanks for chatting with us! _(edited)_');
    expect(desk.fake.okCalls('chat.postEphemeral').at(-1)!.args.text).toContain(
      'Your edit was not sent: There is no shortcut `#nope`',
    );
  });

  it('mid-sentence #words and #numbers are sent as typed', async () => {
    const chat = await steps.liveChat(newRequester('Eli Moss'), people.ana);
    await steps.replyInThread(people.ana, chat, 'Your case is like #refund ones');
    await steps.replyInThread(people.ana, chat, '#1042 is your old ticket');
    await steps.replyInThread(people.ana, chat, '#refund/chargeback, which one?');
    expect(relayed(chat).slice(-3)).toEqual([
      '*Ana:* Your case is like #refund ones',
      '*Ana:* #1042 is your old ticket',
      '*Ana:* #refund/chargeback, which one?',
    ]);
  });

  it('an unknown shortcut is not sent: the agent is told, the requester gets nothing', async () => {
    const chat = await steps.liveChat(newRequester('Fay Ng'), people.ana);
    const before = relayed(chat).length;
    await steps.replyInThread(people.ana, chat, '#refnd');
    expect(relayed(chat)).toHaveLength(before);
    const told = desk.fake.okCalls('chat.postEphemeral').at(-1)!.args;
    expect(told).toMatchObject({ user: people.ana, channel: chat.thread.channel, thread_ts: chat.thread.ts });
    expect(told.text).toContain('There is no shortcut `#refnd`, so nothing was sent to the requester');
    expect(await publicReplies(chat.ticketNumber)).toEqual([]);
    expect(await steps.actions(chat.ticketNumber)).not.toContain('replied');
  });

  it('a personal shortcut shadows the shared one of the same name for its owner only', async () => {
    expect(await command(people.ana, 'shortcut add refund Refund done, {requester} — {agent}')).toContain(
      'Added your shortcut `#refund`',
    );
    const anas = await steps.liveChat(newRequester('Gus Lee'), people.ana);
    await steps.replyInThread(people.ana, anas, '#refund');
    expect(relayed(anas).at(-1)).toBe('*Ana:* Refund done, Gus Lee — Ana');
    const bens = await steps.liveChat(newRequester('Hal Roe'), people.ben);
    await steps.replyInThread(people.ben, bens, '#refund');
    expect(relayed(bens).at(-1)).toBe('*Ben:* Hi Hal Roe, Ben here: your refund is on its way.');

    await command(people.ana, 'shortcut list');
    const shown = JSON.stringify(desk.fake.responses().at(-1)!.body.blocks);
    expect(shown).toContain('Refund done');
    expect(shown).toContain('yours of the same name is used');
    expect(await command(people.ana, 'shortcut remove refund')).toBe('Removed your shortcut `#refund`.');
    await steps.replyInThread(people.ana, anas, '#refund');
    expect(relayed(anas).at(-1)).toBe('*Ana:* Hi Gus Lee, Ana here: your refund is on its way.');
    expect(await command(people.ana, 'shortcut remove refund')).toBe('You have no personal shortcut `#refund`.');
  });

  it('refuses the 21st personal shortcut saying the limit; a removal frees a place', async () => {
    for (let i = 1; i <= 20; i++) expect(await command(people.cho, `shortcut add s${i} text ${i}`)).toContain('Added');
    expect(await command(people.cho, 'shortcut add s21 one too many')).toBe(
      'You already have 20 personal shortcuts, the limit. Remove one (`/ticket shortcut remove NAME`) or add over one of yours (same name).',
    );
    expect(await command(people.cho, 'shortcut add s5 replaced text')).toContain('Replaced');
    expect(await desk.store.chatDesk.shortcutsOf(people.cho)).toHaveLength(20);
    await command(people.cho, 'shortcut remove s1');
    expect(await command(people.cho, 'shortcut add s21 now it fits')).toContain('Added');
    expect(await desk.store.chatDesk.shortcutsOf(people.cho)).toHaveLength(20);
  });

  it('twenty-five adds at once stop at the limit', async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) => desk.slack.command(people.lead, '/ticket', `shortcut add race${i} text`)),
    );
    await desk.settled();
    expect(await desk.store.chatDesk.shortcutsOf(people.lead)).toHaveLength(20);
    expect(desk.fake.responses().filter((response) => String(response.body.text).includes('the limit'))).toHaveLength(
      5,
    );
  });

  it('refuses bad names, empty text and non-agents, changing nothing', async () => {
    expect(await command(people.ben, 'shortcut add {"$gt":""} x')).toContain('is not a shortcut name');
    expect(await command(people.ben, 'shortcut add 1234 x')).toContain('is not a shortcut name');
    expect(await command(people.ben, 'shortcut add hello')).toContain('has no text');
    expect(await command(people.outsider, 'shortcut add hello hi')).toContain('only support agents');
    expect(await desk.store.chatDesk.shortcutsOf(people.ben)).toEqual([]);
  });
});
