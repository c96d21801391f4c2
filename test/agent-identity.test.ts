import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionIds, newTicketFields, replyFields } from '../blocks/ids.js';
import { manifestBotScopes } from '../src/fake-slack/manifest.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { FakeSlack } from '../src/fake-slack/server.js';
import { chatSteps } from './support/chats.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people } from './support/workspace.js';

/** What an agent writes reaches a Slack requester under the agent's name and picture; the bot's own notices stay the bot's. */
describe('replies under the agent’s name', () => {
  let desk: TestDesk;
  let steps: ReturnType<typeof chatSteps>;
  beforeAll(async () => {
    desk = await startTestDesk();
    desk.fake.addUser({
      id: people.ana,
      name: 'ana',
      realName: 'Ana Alvarez',
      image: 'https://avatars.example.com/ana_192.png',
    });
    desk.fake.addUser({ id: people.ben, name: 'ben', realName: 'Ben Brooks' });
    steps = chatSteps(desk);
  });
  afterAll(() => desk.close());
  beforeEach(() => desk.fake.clearCalls());

  const postsTo = (channel: string) =>
    desk.fake.okCalls('chat.postMessage').filter((call) => call.response.channel === channel);

  it('a chat: the agent’s messages carry their name and picture, the joined and ended notices are deskbolt’s', async () => {
    const chat = await steps.liveChat('UREQI001', people.ana, 'My card was charged twice');
    await steps.replyInThread(people.ana, chat, 'I can see both charges & will refund one');
    const dm = chat.requesterDm;
    const relayed = postsTo(dm).find((call) => String(call.args.text).includes('will refund one'))!;
    expect(relayed.args).toMatchObject({ username: 'Ana', icon_url: 'https://avatars.example.com/ana_192.png' });
    expect(desk.fake.messages(dm).find((message) => message.ts === relayed.response.ts)).toMatchObject({
      username: 'Ana',
      iconUrl: 'https://avatars.example.com/ana_192.png',
    });
    const joined = postsTo(dm).find((call) => String(call.args.text).includes('Ana'))!;
    expect(joined.args.text).not.toContain('will refund');
    expect(joined.args.username).toBeUndefined();
    expect(joined.args.icon_url).toBeUndefined();

    // A second message reuses what Slack said of Ana a moment ago.
    const lookups = desk.fake.okCalls('users.info').filter((call) => call.args.user === people.ana).length;
    await steps.replyInThread(people.ana, chat, 'Done.');
    expect(desk.fake.okCalls('users.info').filter((call) => call.args.user === people.ana).length).toBe(lookups);

    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.endChat, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
    const ended = postsTo(dm).at(-1)!;
    expect(ended.args.username).toBeUndefined();
  });

  it('a public reply in the requester’s thread of a ticket carries the agent’s name and Slack’s default picture', async () => {
    const requester = 'UREQI002';
    await desk.slack.command(requester, '/ticket', 'new Refund never arrived');
    await desk.settled();
    const form = desk.fake.okCalls('views.open').at(-1)!.response.view;
    await desk.slack.viewSubmission(requester, {
      callback_id: form.callback_id,
      private_metadata: form.private_metadata,
      state: viewStateFrom(form, { [newTicketFields.group]: '10' }),
    });
    await desk.settled();
    const ticket = (await desk.store.tickets.ofRequester({ kind: 'slack', userId: requester }, 5))[0]!;
    await desk.slack.command(people.ben, '/ticket', `take ${ticket.number}`);
    await desk.settled();
    await desk.slack.blockAction(people.ben, { action_id: actionIds.reply, value: String(ticket.number) });
    await desk.settled();
    const view = desk.fake.view(desk.fake.okCalls('views.open').at(-1)!.response.view.id)!;
    await desk.slack.viewSubmission(people.ben, {
      id: view.id,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, {
        [replyFields.text]: 'Which card did you pay with?',
        [replyFields.status]: 'pending',
      }),
    });
    await desk.settled();
    const dm = desk.fake.dmChannelOf(requester);
    const reply = postsTo(dm).find((call) => String(call.args.text).includes('Which card'))!;
    expect(reply.args.thread_ts).toBeDefined();
    expect(reply.args.username).toBe('Ben');
    expect(reply.args.icon_url).toBe(`${desk.fake.apiUrl.replace(/api\/$/, '')}avatars/${people.ben}_192.png`);
    // The receipt that opened the thread is the bot's.
    expect(
      postsTo(dm).find((call) => String(call.args.text).startsWith('We received your request'))!.args.username,
    ).toBeUndefined();
  });

  it('the fake Slack, as Slack: a customized author needs chat:write.customize, which the manifest asks for', async () => {
    expect(manifestBotScopes()).toContain('chat:write.customize');
    const without = await FakeSlack.start({
      scopes: manifestBotScopes().filter((scope) => scope !== 'chat:write.customize'),
    });
    try {
      const client = new WebClient('xoxb-test-token', { slackApiUrl: without.apiUrl, retryConfig: { retries: 0 } });
      await expect(
        client.chat.postMessage({
          channel: 'UCUST006',
          text: 'hi',
          username: 'Ana',
          icon_url: 'https://avatars.example.com/a.png',
        }),
      ).rejects.toMatchObject({ data: { error: 'missing_scope', needed: 'chat:write.customize' } });
      expect((await client.chat.postMessage({ channel: 'UCUST006', text: 'hi' })).ok).toBe(true);
    } finally {
      await without.close();
    }
  });
});
