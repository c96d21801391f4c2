import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_SECRET } from '../src/fake-slack/config.js';
import { SlackClientSim } from '../src/fake-slack/requests.js';
import { chatSteps } from './support/chats.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people } from './support/workspace.js';

let desk: TestDesk;
let steps: ReturnType<typeof chatSteps>;
beforeAll(async () => {
  desk = await startTestDesk();
  steps = chatSteps(desk);
});
afterAll(async () => desk.close());

describe('what Slack’s client makes of typed words', () => {
  it('a bare email and a bare domain arrive as links (<mailto:…|…>, <http://…|…>) and are stored as typed', async () => {
    const chat = await steps.startByDm('UREQLINK1', 'Write to dana@example.com, see status.example.com for AT&T');
    const event = desk.fake.messages(chat.requesterDm).find((message) => message.user === 'UREQLINK1');
    expect(event?.text).toBe(
      'Write to <mailto:dana@example.com|dana@example.com>, see <http://status.example.com|status.example.com> for AT&amp;T',
    );
    const ticket = (await desk.store.tickets.get(chat.ticketNumber))!;
    expect(ticket.description).toBe('Write to dana@example.com, see status.example.com for AT&T');
  });

  it('a link’s preview arrives as message_changed with the same words: relayed once, never as an edit', async () => {
    const chat = await steps.liveChat('UREQLINK2', people.ana);
    desk.fake.clearCalls();
    await desk.slack.message('UREQLINK2', 'The error page is https://shop.example.com/checkout?step=2');
    await desk.settled();
    const relayed = desk.fake.okCalls('chat.postMessage').filter((call) => call.args.channel === chat.thread.channel);
    expect(relayed).toHaveLength(1);
    expect(desk.fake.okCalls('chat.update').filter((call) => String(call.args.text).includes('_(edited)_'))).toEqual(
      [],
    );
  });
});

describe('the App Home’s Messages tab', () => {
  it('is the DM (its opaque id from the event): the first visit gets one word on what writing there does, later visits nothing', async () => {
    const person = 'UREQMSGS1';
    const dm = desk.fake.dmChannelOf(person);
    expect(dm).not.toBe(`D${person.slice(1)}`);
    desk.fake.clearCalls();
    await desk.slack.event({ type: 'app_home_opened', user: person, tab: 'messages', channel: dm });
    await desk.settled();
    await desk.slack.event({ type: 'app_home_opened', user: person, tab: 'messages', channel: dm });
    await desk.settled();
    const told = desk.fake.okCalls('chat.postMessage');
    expect(told).toHaveLength(1);
    expect(told[0]?.args.channel).toBe(dm);
    expect(told[0]?.args.text).toContain('Write here');
    expect(desk.fake.calls('views.publish')).toEqual([]);
  });

  it('tells an agent what the DM is for instead', async () => {
    await desk.slack.event({
      type: 'app_home_opened',
      user: people.ben,
      tab: 'messages',
      channel: desk.fake.dmChannelOf(people.ben),
    });
    await desk.settled();
    expect(desk.fake.dmsTo(people.ben).at(-1)?.args.text).toContain('/ticket help');
  });
});

describe('events Slack sends again', () => {
  it('over HTTP, an event not answered within the ack window is sent again three times (X-Slack-Retry-Num 1–3): acted on once', async () => {
    // A Slack that has already given up when the answer comes: every answer is "too late".
    const impatient = new SlackClientSim({
      url: desk.deskbolt.url,
      signingSecret: SIGNING_SECRET,
      fake: desk.fake,
      httpAckWindowMs: -1,
    });
    const requester = 'UREQRETRY1';
    const sent = await impatient.message(requester, 'My invoice shows the wrong VAT number');
    await desk.settled();
    expect(sent.retries).toBe(3);
    expect(sent.status).toBe(200);
    const chat = (await desk.store.chats.openOf(requester))!;
    expect(await desk.store.tickets.ofRequester({ kind: 'slack', userId: requester }, 10)).toHaveLength(1);
    // The team's queue got one incoming chat, not four.
    const announced = desk.fake
      .okCalls('chat.postMessage')
      .filter(
        (call) => JSON.stringify(call.args).includes('wrong VAT number') && call.args.channel !== chat.requesterDm,
      );
    expect(announced).toHaveLength(1);
  });
});
