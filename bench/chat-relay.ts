import { startDeskbolt } from '../src/deskbolt.js';
import { fakeSlackConfig } from '../src/fake-slack/config.js';
import { SlackClientSim } from '../src/fake-slack/requests.js';
import { FakeSlack } from '../src/fake-slack/server.js';
import type { Store } from '../src/store/store.js';
import { testWorkspace, workspaceChannels } from '../test/support/workspace.js';
import { SECRET } from './bare-bolt.js';
import { type BenchRow, row } from './take.js';

const MESSAGES = 200;
const AGENT = 'UBENCHAGT1';
const FOLLOWERS = ['UBENCHLD01', 'UBENCHLD02', 'UBENCHLD03'];

/**
 * An agent's reply in a chat thread, from the signed event to the last Web API call of its relay: as
 * typed, as a shortcut (users.info for {requester}), and with three followers' DM copies.
 */
export async function chatRelayRows(store: Store): Promise<BenchRow[]> {
  const fake = await FakeSlack.start();
  const workspace = testWorkspace({
    agents: [
      { user: AGENT, name: 'Bench', groups: [10] },
      ...FOLLOWERS.map((user, index) => ({ user, name: `Lead ${index}`, groups: [10], role: 'lead' })),
    ],
    chat: { shortcuts: [{ name: 'hello', text: 'Hello {requester}, {agent} here.' }] },
  });
  fake.inviteBot(...workspaceChannels(workspace));
  // No cron: a job run would compete with what is measured.
  const deskbolt = await startDeskbolt({
    config: {
      ...fakeSlackConfig(fake),
      slack: { signingSecret: SECRET, botToken: fake.token, appToken: undefined, apiUrl: fake.apiUrl },
    },
    workspace,
    store,
    log: () => undefined,
    schedule: false,
  });
  const slack = new SlackClientSim({ url: deskbolt.url, signingSecret: SECRET, fake });
  let peakRss = process.memoryUsage().rss;
  let requesters = 0;

  async function liveChat() {
    const requester = `UBREQ${String(++requesters).padStart(5, '0')}`;
    fake.addUser({ id: requester, name: requester.toLowerCase(), realName: `Requester ${requesters}` });
    await slack.message(requester, 'Hello, I need help');
    await deskbolt.settled();
    const chat = (await store.chats.openOf(requester))!;
    await slack.blockAction(
      AGENT,
      { action_id: 'chat_accept', value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await deskbolt.settled();
    return (await store.chats.get(chat.ticketNumber))!;
  }

  async function measure(name: string, text: string, followers: readonly string[]): Promise<BenchRow> {
    const chat = await liveChat();
    for (const follower of followers) await slack.command(follower, '/ticket', `follow ${chat.ticketNumber}`);
    await deskbolt.settled();
    const samples: number[] = [];
    const started = performance.now();
    for (let index = 0; index < MESSAGES; index++) {
      const sent = performance.now();
      await slack.message(AGENT, text, { channel: chat.thread.channel, threadTs: chat.thread.ts });
      await deskbolt.settled();
      samples.push(performance.now() - sent);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    return row(name, samples, MESSAGES / ((performance.now() - started) / 1000), peakRss);
  }

  await slack.command(AGENT, '/ticket', 'status online');
  const rows = [
    await measure('chat relay: agent reply as typed → relayed', 'We are looking into it', []),
    await measure('chat relay: #shortcut reply → relayed', '#hello', []),
    await measure('chat relay: reply with 3 followers → relayed + 3 copies', 'We are looking into it', FOLLOWERS),
  ];
  await deskbolt.close();
  await fake.close();
  return rows;
}
