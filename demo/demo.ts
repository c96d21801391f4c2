import type { RecordedCall } from '../src/fake-slack/server.js';
import { startSandboxDesk } from '../src/sandbox/desk.js';
import { supportMorning } from '../src/sandbox/morning.js';
import { startEmbeddedDatabase } from '../src/store/embedded.js';
import { Store } from '../src/store/store.js';
import { loadWorkspaceFile } from '../src/workspace/loader.js';
import { renderBlocks, slackText } from './render.js';

/**
 * `npm run demo`: the real deskbolt on the embedded database, against the fake Slack API, playing the
 * scripted support morning (src/sandbox/morning.ts, which the sandbox page plays too) through signed
 * requests, and printing what each person sees in Slack.
 */
async function main(): Promise<void> {
  const workspace = await loadWorkspaceFile(process.env.WORKSPACE_FILE ?? 'examples/workspace.yml');
  if (!workspace.ok) throw new Error(workspace.problems.join('\n'));
  const database = process.env.MONGODB_URI ? undefined : await startEmbeddedDatabase();
  const store = await Store.open({
    uri: process.env.MONGODB_URI ?? database!.uri,
    dbName: `deskbolt_demo_${Date.now()}`,
  });
  // DEMO_SOCKET_MODE=1: Slack reaches the app over Socket Mode (the app connects with its app-level token).
  const socketMode = Boolean(process.env.DEMO_SOCKET_MODE && process.env.DEMO_SOCKET_MODE !== '0');
  // The scripted morning is the whole story: no cron tick interleaves with it.
  const sandbox = await startSandboxDesk({
    store,
    workspace: workspace.workspace,
    port: 0,
    host: '127.0.0.1',
    schedule: false,
    socketMode,
  });
  const { fake } = sandbox;
  const names = new Map<string, string>();
  for (const person of sandbox.roster.people) {
    const label = `${person.name} (${person.role === 'requester' ? person.title.toLowerCase() : person.title.split(' · ')[0]!.toLowerCase()})`;
    names.set(person.id, label);
    names.set(fake.dmChannelOf(person.id), label);
  }
  for (const channel of sandbox.roster.channels) names.set(channel.id, channel.name);

  let shownCalls = 0;
  let shownResponses = 0;
  console.log('deskbolt demo — a support morning at Acme, played through signed Slack requests.');
  for (const step of supportMorning()) {
    console.log(`\n\x1b[36m▶ ${step.title}\x1b[39m`);
    await step.run({ act: sandbox.act, fake, store });
    const calls = fake.calls().slice(shownCalls);
    shownCalls += calls.length;
    for (const call of calls) printCall(call, names);
    const responses = fake.responses().slice(shownResponses);
    shownResponses += responses.length;
    for (const response of responses) {
      printMessage(`${names.get(step.actor)} (only they can see this)`, response.body, names);
    }
  }

  await sandbox.close();
  await store.connection.dropDatabase();
  await store.close();
  await database?.stop();
  console.log(
    '\nThat was the real app, database and Slack requests; only Slack itself was simulated. `npm start` opens the same desk in your browser; see README.md to connect a real workspace.',
  );
}

function printCall(call: RecordedCall, names: ReadonlyMap<string, string>): void {
  const args = call.args;
  const failed = call.ok ? '' : ` \x1b[31m(Slack refused: ${call.error})\x1b[39m`;
  switch (call.method) {
    case 'chat.postMessage':
      printMessage(
        `${place(String(args.channel), names)}${args.thread_ts ? ' › in the chat’s thread' : ''}${failed}`,
        args,
        names,
      );
      break;
    case 'chat.update':
      printMessage(`${place(String(args.channel), names)} (message updated)${failed}`, args, names);
      break;
    case 'views.open':
      console.log(
        `  \x1b[33m${names.get(String(args.view?.callback_id)) ?? 'A form'} opens: “${args.view?.title?.text}”\x1b[39m${failed}`,
      );
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
  const lines = message.blocks
    ? renderBlocks(message.blocks, names)
    : slackText(String(message.text ?? ''), names).split('\n');
  for (const line of lines) console.log(`    ${line}`);
}

await main();
