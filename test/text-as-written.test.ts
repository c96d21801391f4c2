import { beforeAll, describe, expect, it } from 'vitest';
import { callbackIds } from '../blocks/ids.js';
import { ticketEvent } from '../src/events/ticket-events.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { decodeSlackMessage, decodeSlackText } from '../src/slack/decode-slack-text.js';
import { chatSteps } from './support/chats.js';
import { fileTicket } from './support/desk.js';
import { useTestDesk } from './support/use-test-desk.js';
import { channels, people } from './support/workspace.js';

const names = { user: (id: string) => ({ UANA0001: 'Ana' })[id] };

describe('Slack text, read once into the words a person wrote', () => {
  it.each([
    ['entities', 'AT&amp;T &lt;b&gt; &amp;amp;', 'AT&T <b> &amp;'],
    ['a labelled mention', 'hi <@U9|ben>', 'hi @ben'],
    ['a mention by id, named from the workspace file', 'hi <@UANA0001>', 'hi @Ana'],
    ['a mention nobody can name', 'hi <@U404>', 'hi @U404'],
    ['broadcasts', '<!here> <!channel> <!everyone> <!here|@here>', '@here @channel @everyone @here'],
    ['a user group', '<!subteam^S1|@ops> <!subteam^S2>', '@ops @S2'],
    ['channels', '<#C1|general> <#C2>', '#general #C2'],
    [
      'links',
      '<https://x.example.com/?a=1&amp;b=2> <https://y.example.com|the docs> <mailto:a@b.c|a@b.c>',
      'https://x.example.com/?a=1&b=2 the docs (https://y.example.com) a@b.c',
    ],
    ['a date', '<!date^1392734382^{date}|February 18th, 2014>', 'February 18th, 2014'],
  ])('reads %s', (_what, slack, written) => {
    expect(decodeSlackText(slack, names).text).toBe(written);
  });

  it('keeps who a mention was, for commands that name a person', () => {
    expect(decodeSlackText('transfer 3 <@UBEN0002|ben>', names).mentions).toEqual([
      { userId: 'UBEN0002', shown: '@ben' },
    ]);
  });

  it('reads a whole message with its attachments’ and files’ words and links', () => {
    const message = {
      text: '<@UANA0001> see below',
      attachments: [
        {
          pretext: 'From &lt;status&gt;',
          title: 'VPN &amp; proxy',
          title_link: 'https://status.example.com',
          text: 'Down since 9',
        },
      ],
      files: [{ name: 'R&amp;D.txt', permalink: 'https://files.example.com/F1' }],
    };
    expect(decodeSlackMessage(message, names)).toBe(
      '@Ana see below\n\nFrom <status>\nVPN & proxy (https://status.example.com)\nDown since 9\n\nR&D.txt (https://files.example.com/F1)',
    );
  });
});

/** What people type reaches the database as they typed it, and every surface shows it once-escaped: AT&T, never AT&amp;amp;T. */
describe('text as written, through the app', () => {
  let steps: ReturnType<typeof chatSteps>;
  const desk = useTestDesk();
  beforeAll(async () => {
    steps = chatSteps(desk);
    desk.fake.addUser({ id: people.ana, name: 'ana', realName: 'Ana Agent' });
    desk.fake.addUser({ id: people.customer, name: 'carla', realName: 'Carla Customer' });
  });

  /** Nothing the app sent carries text escaped twice. */
  function expectEscapedOnce(): void {
    const sent = JSON.stringify([
      ...desk.fake.calls().map((call) => call.args),
      ...desk.fake.responses().map((response) => response.body),
    ]);
    expect(sent).not.toMatch(/&amp;(amp|lt|gt);/);
  }

  it('stores a requester’s DM as written: entities and mentions read, a broadcast left as plain words', async () => {
    const chat = await steps.startByDm('UREQT001', 'AT&T <tag> is down, cc @ana @here');
    const ticket = (await desk.store.tickets.get(chat.ticketNumber))!;
    expect(ticket.subject).toBe('AT&T <tag> is down, cc @Ana @here');
    expect(ticket.description).toBe('AT&T <tag> is down, cc @Ana @here');
    const incoming = desk.fake
      .okCalls('chat.postMessage')
      .find((call) => call.args.channel === channels.billingAlerts)!;
    expect(JSON.stringify(incoming.args.blocks)).toContain('AT&amp;T &lt;tag&gt; is down, cc @Ana @here');
    expectEscapedOnce();
  });

  it('never turns a typed @here, @channel or user group into a live broadcast anywhere it goes', async () => {
    desk.fake.addUserGroup({ id: 'S0OPS', handle: 'ops' });
    const chat = await steps.liveChat('UREQT005', people.ana, '@here @channel @ops my refund?');
    await desk.slack.message('UREQT005', 'still waiting @everyone');
    await desk.settled();
    expect(desk.fake.messages(chat.requesterDm).find((message) => message.user === 'UREQT005')!.text).toBe(
      '<!here> <!channel> <!subteam^S0OPS> my refund?',
    );
    // People the app means to name (requester, agents) are mentioned on purpose; a broadcast never is.
    expect(desk.fake.unintendedPings().filter((ping) => ping.mention.startsWith('<!'))).toEqual([]);
  });

  it('prefills `/ticket new Printer & scanner` (sent as `Printer &amp; scanner`) with the words typed', async () => {
    await desk.slack.command(people.ana, '/ticket', 'new Printer & scanner');
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.args.view;
    expect(viewStateFrom(view, {}).values.subject!.subject.value).toBe('Printer & scanner');
  });

  it('files a message with mentions, attachments and files: names, words and links come along, escaped once in the alert', async () => {
    await desk.slack.messageShortcut(people.ben, 'create_ticket', {
      ts: '1700000000.000300',
      channel: 'C0GENERAL',
      user: people.customer,
      text: '@ana and @carla: AT&T <tag> VPN down',
      attachments: [{ title: 'Status <page>', title_link: 'https://status.example.com', text: 'All & nothing' }],
      files: [{ id: 'FRD00001', name: 'R&D.txt', mimetype: 'text/plain', filetype: 'text', size: 3 }],
    });
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.args.view;
    expect(view.callback_id).toBe(callbackIds.createFromMessage);
    const prefilled = viewStateFrom(view, { group: '10' });
    expect(prefilled.values.subject!.subject.value).toBe('@Ana and @carla: AT&T <tag> VPN down');
    expect(prefilled.values.description!.description.value).toBe(
      `@Ana and @carla: AT&T <tag> VPN down\n\nStatus <page> (https://status.example.com)\nAll & nothing\n\nR&D.txt (${desk.fake.slackFile('FRD00001')!.permalink})`,
    );

    await desk.slack.viewSubmission(people.ben, {
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: prefilled,
    });
    await desk.settled();
    const alert = desk.fake.okCalls('chat.postMessage').find((call) => call.args.channel === channels.billingAlerts)!;
    expect(JSON.stringify(alert.args.blocks)).toContain('@Ana and @carla: AT&amp;T &lt;tag&gt; VPN down');
    expectEscapedOnce();
  });

  it('relays a requester’s /me message like any message', async () => {
    const chat = await steps.liveChat('UREQT002', people.ana);
    await desk.slack.meMessage('UREQT002', 'waves hello');
    await desk.settled();
    expect(steps.threadMessages(chat).at(-1)!.text).toContain('waves hello');
  });

  it('relays an edit as written', async () => {
    const chat = await steps.liveChat('UREQT003', people.ana);
    const sent = await desk.slack.message('UREQT003', 'Order 1234');
    await desk.settled();
    await desk.slack.editMessage('UREQT003', sent, 'Order 1243 & 1244');
    await desk.settled();
    const relayed = desk.fake
      .okCalls('chat.update')
      .filter((call) => call.args.channel === chat.thread.channel && call.args.text.endsWith('_(edited)_'));
    expect(relayed.map((call) => call.args.text)).toEqual([
      expect.stringContaining('Order 1243 &amp; 1244 _(edited)_'),
    ]);
  });

  it('shows “AT&T <tag>” escaped once on the card, the Home, a transfer offer, the follow header and the Create-ticket form', async () => {
    const chat = await steps.liveChat('UREQT004', people.ana, 'AT&T <tag> charged me twice');
    const number = chat.ticketNumber;
    const once = 'AT&amp;T &lt;tag&gt; charged me twice';

    await desk.slack.command(people.ana, '/ticket', `show ${number}`);
    await desk.settled();
    expect(JSON.stringify(desk.fake.responses().at(-1)!.body.blocks)).toContain(once);

    await desk.store.tickets.change(
      number,
      {},
      { assignee: people.ana, status: 'open' },
      ticketEvent('taken', { kind: 'agent', id: people.ana }, desk.clock.now(), {
        from: { assignee: null },
        to: { assignee: people.ana, status: 'open' },
      }),
      desk.clock.now(),
    );
    await desk.slack.event({ type: 'app_home_opened', user: people.ana, tab: 'home' });
    await desk.settled();
    expect(JSON.stringify(desk.fake.homeView(people.ana)!.blocks)).toContain(once);

    await steps.status(people.ben, 'online');
    await steps.replyInThread(people.ana, chat, 'Checking AT&T <tag> now');
    await desk.slack.command(people.ana, '/ticket', `transfer ${number} @ben`);
    await desk.settled();
    const offer = desk.fake
      .okCalls('chat.postMessage')
      .find(
        (call) =>
          call.args.channel === people.ben && JSON.stringify(call.args.blocks ?? []).includes('Transfer request'),
      )!;
    expect(JSON.stringify(offer.args.blocks)).toContain(once);
    expect(JSON.stringify(offer.args.blocks)).toContain('Checking AT&amp;T &lt;tag&gt; now');

    await desk.slack.command(people.lead, '/ticket', `follow ${number}`);
    await desk.settled();
    const header = desk.fake
      .okCalls('chat.postMessage')
      .find(
        (call) =>
          call.args.channel === people.lead && JSON.stringify(call.args.blocks ?? []).includes('Following chat'),
      )!;
    expect(JSON.stringify(header.args.blocks)).toContain(once);

    const requesterMessage = desk.fake.messages(chat.requesterDm).find((message) => message.user === 'UREQT004')!;
    await desk.slack.messageShortcut(people.ana, 'create_ticket', {
      ts: requesterMessage.ts,
      channel: chat.requesterDm,
      user: 'UREQT004',
      text: 'AT&T <tag> charged me twice',
    });
    await desk.settled();
    const form = desk.fake.okCalls('views.open').at(-1)!.args.view;
    expect(viewStateFrom(form, {}).values.subject!.subject.value).toBe('AT&T <tag> charged me twice');
    expectEscapedOnce();
  });

  it('shows an email requester’s address as a mailto link', async () => {
    const ticket = await fileTicket(desk.deskbolt.desk, {
      requester: { kind: 'email', email: 'dana@example.com', name: 'Dana <Ops>' },
    });
    await desk.slack.command(people.ana, '/ticket', `show ${ticket.number}`);
    await desk.settled();
    expect(JSON.stringify(desk.fake.responses().at(-1)!.body.blocks)).toContain(
      'Dana &lt;Ops&gt; (<mailto:dana@example.com|dana@example.com>)',
    );
  });
});
