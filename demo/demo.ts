import { loadWorkspaceFile } from '../src/workspace/loader.js';
import { startDeskbolt } from '../src/deskbolt.js';
import { startEmbeddedDatabase } from '../src/store/embedded.js';
import { Store } from '../src/store/store.js';
import { FakeSlack, type RecordedCall } from '../src/fake-slack/server.js';
import { SIGNING_SECRET, fakeSlackConfig, fakeSlackSocketConfig } from '../src/fake-slack/config.js';
import { SlackClientSim, viewStateFrom } from '../src/fake-slack/requests.js';
import { socketModeTransport } from '../src/fake-slack/socket-mode.js';
import { renderBlocks, slackText } from './render.js';

/**
 * `npm run demo`: the real deskbolt on the embedded database, against the fake Slack API, playing a
 * short support morning through signed requests, and printing what each person sees in Slack.
 */

const people = {
  ana: 'U0ANA00001',
  ben: 'U0BEN00002',
  lee: 'U0LEE00003',
  carla: 'U0CARLA001',
  dana: 'U0DANA0001',
  dev: 'U0DEV00001',
  visitor: 'U0VISIT001',
};

async function main(): Promise<void> {
  const workspace = await loadWorkspaceFile(process.env.WORKSPACE_FILE ?? 'examples/workspace.yml');
  if (!workspace.ok) throw new Error(workspace.problems.join('\n'));
  const database = process.env.MONGODB_URI ? undefined : await startEmbeddedDatabase();
  const store = await Store.open({ uri: process.env.MONGODB_URI ?? database!.uri, dbName: `deskbolt_demo_${Date.now()}` });
  const fake = await FakeSlack.start();
  const names = new Map<string, string>([
    [people.ana, 'Ana (agent)'],
    [people.ben, 'Ben (agent)'],
    [people.lee, 'Lee (team lead)'],
    [people.carla, 'Carla (customer)'],
    [people.dana, 'Dana (customer)'],
    [people.dev, 'Dev (engineer)'],
    [people.visitor, 'Vic (not an agent)'],
  ]);
  for (const [id, name] of names) fake.addUser({ id, name: name.split(' ')[0]!.toLowerCase(), realName: name });
  for (const group of workspace.workspace.groups) names.set(group.alertChannel, `${group.name.toLowerCase()}-alerts`);
  for (const [id, name] of [...names]) if (id.startsWith('U')) names.set(fake.dmChannelOf(id), name);

  // DEMO_SOCKET_MODE=1: Slack reaches the app over Socket Mode (the app connects with its app-level token).
  const socketMode = Boolean(process.env.DEMO_SOCKET_MODE && process.env.DEMO_SOCKET_MODE !== '0');
  const deskbolt = await startDeskbolt({
    config: socketMode ? fakeSlackSocketConfig(fake) : fakeSlackConfig(fake),
    workspace: workspace.workspace,
    store,
    // The scripted morning is the whole story: no cron tick interleaves with it.
    schedule: false,
  });
  const slack = new SlackClientSim({ url: deskbolt.url, signingSecret: SIGNING_SECRET, fake, ...(socketMode ? { transport: socketModeTransport(fake.socketMode) } : {}) });

  let shownCalls = 0;
  let shownResponses = 0;
  /** Runs one step as `actor` and prints every message and form it caused, as its readers see it. */
  const show = async (title: string, actor: string, act: () => Promise<unknown>) => {
    console.log(`\n\x1b[36m▶ ${title}\x1b[39m`);
    await act();
    await deskbolt.settled();
    const calls = fake.calls().slice(shownCalls);
    shownCalls += calls.length;
    for (const call of calls) printCall(call, names);
    const responses = fake.responses().slice(shownResponses);
    shownResponses += responses.length;
    for (const response of responses) {
      printMessage(`${names.get(actor)} (only they can see this)`, response.body, names);
    }
  };
  /** Whatever opened a form (a command, a shortcut), then the form filled in and submitted by the same person. */
  const fillForm = async (user: string, open: () => Promise<unknown>, answers: Record<string, unknown>) => {
    await open();
    await deskbolt.settled();
    const view = fake.okCalls('views.open').at(-1)!.args.view;
    await slack.viewSubmission(user, { callback_id: view.callback_id, private_metadata: view.private_metadata, state: viewStateFrom(view, answers) });
  };

  const transport = socketMode
    ? `Socket Mode envelopes (${fake.socketMode.connections().length} connections open)`
    : 'signed Slack requests (HTTP)';
  console.log(`deskbolt demo — a support morning at Acme, played through ${transport}.`);
  await show('Ana files a ticket for Carla with /ticket new', people.ana, () =>
    fillForm(people.ana, () => slack.command(people.ana, '/ticket', 'new Card charged twice'), {
      requester: people.carla,
      description: 'I see two charges of $49 from yesterday.',
      group: '10',
      priority: 'high',
    }),
  );
  await show('Dev files a message from #general as a ticket (message shortcut “Create ticket”)', people.dev, () =>
    fillForm(
      people.dev,
      () => slack.messageShortcut(people.dev, 'create_ticket', { ts: '1764000000.000100', text: 'Login page times out for the whole EU team', user: people.carla, channel: 'C0GENERAL' }),
      { group: '10' },
    ),
  );
  await show('Carla, impatient, files the same problem herself', people.carla, () =>
    fillForm(people.carla, () => slack.command(people.carla, '/ticket', 'new Double charge on my card'), { group: '10' }),
  );
  await show('Ben looks at his queue (oldest first)', people.ben, () => slack.command(people.ben, '/ticket', 'queue'));
  await show('Ben clicks “Take it” on #1001: the card flags Carla’s other open tickets', people.ben, () => slack.blockAction(people.ben, { action_id: 'ticket_take', value: '1001' }));
  await show('Ana tries to take #1001 too', people.ana, () => slack.command(people.ana, '/ticket', 'take 1001'));
  await show('Ana takes the next waiting ticket with /ticket next', people.ana, () => slack.command(people.ana, '/ticket', 'next'));
  await show('Ben merges Carla’s duplicate #1003 into #1001 (he confirms first)', people.ben, () =>
    fillForm(people.ben, () => slack.command(people.ben, '/ticket', 'merge 1003 into 1001'), {}),
  );
  await show('Ben escalates #1001 to PayOps with a required internal note', people.ben, () =>
    fillForm(people.ben, () => slack.command(people.ben, '/ticket', 'escalate 1001'), {
      escalate_group: '20',
      escalate_note: 'The gateway captured the payment twice; please refund one capture.',
    }),
  );

  await show('Ben goes online for chats', people.ben, () => slack.command(people.ben, '/ticket', 'status online'));
  await show('Ana goes online too', people.ana, () => slack.command(people.ana, '/ticket', 'status online'));
  await show('Dana writes to deskbolt in a DM: a chat starts, and Billing’s online agents are pinged', people.dana, () => slack.message(people.dana, 'Hi! Is my refund for order 88 through yet?'));
  const chat = (await store.chats.openOf(people.dana))!;
  await show('Ben accepts the chat', people.ben, () =>
    slack.blockAction(people.ben, { action_id: 'chat_accept', value: String(chat.ticketNumber) }, { channel: chat.thread.channel, message: { ts: chat.thread.ts } }),
  );
  await show('Ben answers in the chat’s thread; deskbolt relays it to Dana’s DM', people.ben, () =>
    slack.message(people.ben, 'Hi Dana, let me look that up for you.', { channel: chat.thread.channel, threadTs: chat.thread.ts }),
  );
  await show('Ben asks Ana to take the chat: nothing moves until she accepts', people.ben, () =>
    slack.command(people.ben, '/ticket', `transfer ${chat.ticketNumber} @ana`),
  );
  await show('Ana accepts the transfer', people.ana, async () => {
    const transfer = (await store.chats.openTransferOf(chat.ticketNumber))!;
    const offer = fake.messages(fake.dmChannelOf(people.ana)).filter((message) => JSON.stringify(message.blocks ?? []).includes(transfer.id)).at(-1)!;
    await slack.blockAction(people.ana, { action_id: 'transfer_accept', value: transfer.id }, { channel: offer.channel, message: { ts: offer.ts } });
  });
  await show('Ben lists his tickets with /ticket mine', people.ben, () => slack.command(people.ben, '/ticket', 'mine'));
  await show('Vic, who is not an agent, tries /ticket next', people.visitor, () => slack.command(people.visitor, '/ticket', 'next'));

  await deskbolt.close();
  await fake.close();
  await store.connection.dropDatabase();
  await store.close();
  await database?.stop();
  console.log('\nThat was the real app, database and Slack requests; only Slack itself was simulated. See README.md to connect a real workspace.');
}

function printCall(call: RecordedCall, names: ReadonlyMap<string, string>): void {
  const args = call.args;
  const failed = call.ok ? '' : ` \x1b[31m(Slack refused: ${call.error})\x1b[39m`;
  switch (call.method) {
    case 'chat.postMessage':
      printMessage(`${place(String(args.channel), names)}${args.thread_ts ? ' › in the chat’s thread' : ''}${failed}`, args, names);
      break;
    case 'chat.update':
      printMessage(`${place(String(args.channel), names)} (message updated)${failed}`, args, names);
      break;
    case 'views.open':
      console.log(`  \x1b[33m${names.get(String(args.view?.callback_id)) ?? 'A form'} opens: “${args.view?.title?.text}”\x1b[39m${failed}`);
      for (const line of renderBlocks(args.view?.blocks, names)) console.log(`    ${line}`);
      break;
    default:
      break;
  }
}

/** A channel as a person names it: #billing-alerts, or whose DM with the bot it is. */
function place(channel: string, names: ReadonlyMap<string, string>): string {
  const name = names.get(channel);
  if (!name) return channel;
  return channel.startsWith('C') ? `#${name}` : `${name}, in a DM from deskbolt`;
}

function printMessage(heading: string, message: Record<string, any>, names: ReadonlyMap<string, string>): void {
  console.log(`  \x1b[33m→ ${heading}\x1b[39m`);
  const lines = message.blocks ? renderBlocks(message.blocks, names) : slackText(String(message.text ?? ''), names).split('\n');
  for (const line of lines) console.log(`    ${line}`);
}

await main();
