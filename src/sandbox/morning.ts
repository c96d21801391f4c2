import { actionIds, escalationFields, newTicketFields, transferFields } from '../../blocks/ids.js';
import type { FakeSlack } from '../fake-slack/server.js';
import type { Store } from '../store/store.js';
import type { ElementUse, FormValues, Outcome, PersonActions } from './actions.js';
import { GENERAL_CHANNEL } from './roster.js';
import type { Place } from './wire.js';

/**
 * A support morning at Acme, as steps people take in Slack: one script, played by the terminal demo
 * (`npm run demo`, which prints what each step made people see) and by the sandbox page's
 * "Play the demo" (which shows it, step by step, through the eyes of whoever acts). It expects an
 * empty desk on examples/workspace.yml.
 */

export const people = {
  ana: 'U0ANA00001',
  ben: 'U0BEN00002',
  lee: 'U0LEE00003',
  carla: 'U0CARLA001',
  dana: 'U0DANA0001',
  dev: 'U0DEV00001',
  visitor: 'U0VISIT001',
};

const BILLING_ALERTS = 'C0BILLING01';

export interface MorningContext {
  act: PersonActions;
  fake: FakeSlack;
  store: Store;
}

/** Where to look after a step: a conversation, a thread of it, or the actor's open modal. */
export type { Place };

export interface MorningStep {
  title: string;
  /** Who acts, and so whose eyes the page shows the step through. */
  actor: string;
  run(context: MorningContext): Promise<Place>;
}

/** The script drives the real app; a refusal means the app or the script changed, so it stops loudly. */
function must(outcome: Outcome, what: string): void {
  if (!outcome.ok) throw new Error(`demo step "${what}" was refused: ${outcome.problem}`);
}

async function command(context: MorningContext, user: string, channel: string, line: string): Promise<void> {
  must(await context.act.command(user, channel, line), line);
}

/** The person fills in the form open on top of their screen and submits it. */
async function fillForm(context: MorningContext, user: string, values: FormValues): Promise<void> {
  const top = context.fake.modals(user).at(-1);
  if (top === undefined) throw new Error(`demo: ${user} has no form open`);
  must(await context.act.submit(user, String(top.view.id), values), `submit ${top.view.callback_id}`);
}

/** Presses a button on the newest message in `channel` (ephemeral ones included) that has it. */
async function press(context: MorningContext, user: string, channel: string, use: ElementUse): Promise<void> {
  const visible = [
    ...context.fake.messages(channel).filter((message) => !message.deleted),
    ...context.fake.ephemerals(user, channel),
  ];
  const has = (blocks: unknown) =>
    JSON.stringify(blocks ?? []).includes(`"action_id":"${use.actionId}"`) &&
    (typeof use.value !== 'string' || JSON.stringify(blocks ?? []).includes(`"value":${JSON.stringify(use.value)}`));
  const message = visible.filter((candidate) => has(candidate.blocks)).sort((a, b) => Number(b.ts) - Number(a.ts))[0];
  if (message === undefined)
    throw new Error(`demo: no message in ${channel} offers ${use.actionId} ${use.value ?? ''}`);
  must(await context.act.use(user, { channel, ts: message.ts }, use), `press ${use.actionId}`);
}

const dm = (context: MorningContext, user: string) => context.fake.dmChannelOf(user);

export function supportMorning(): MorningStep[] {
  const { ana, ben, carla, dana, dev, lee, visitor } = people;
  return [
    {
      title: 'Ana files a ticket for Carla with /ticket new',
      actor: ana,
      async run(context) {
        await command(context, ana, dm(context, ana), '/ticket new Card charged twice');
        await fillForm(context, ana, {
          [newTicketFields.requester]: carla,
          [newTicketFields.description]: 'I see two charges of $49 from yesterday.',
          [newTicketFields.group]: '10',
          [newTicketFields.priority]: 'high',
        });
        return { channel: dm(context, ana) };
      },
    },
    {
      title: 'Carla posts in #general; Dev files her message as a ticket (message shortcut “Create ticket”)',
      actor: dev,
      async run(context) {
        const said = await context.act.say(carla, GENERAL_CHANNEL, 'Login page times out for the whole EU team');
        if (!said.ok || said.ts === undefined) throw new Error('demo: Carla could not post in #general');
        must(await context.act.messageShortcut(dev, 'create_ticket', GENERAL_CHANNEL, said.ts), 'Create ticket');
        await fillForm(context, dev, { [newTicketFields.group]: '10' });
        return { channel: GENERAL_CHANNEL };
      },
    },
    {
      title: 'Carla, impatient, files the same problem herself',
      actor: carla,
      async run(context) {
        await command(context, carla, dm(context, carla), '/ticket new Double charge on my card');
        await fillForm(context, carla, { [newTicketFields.group]: '10' });
        return { channel: dm(context, carla) };
      },
    },
    {
      title: 'Ben looks at his queue (oldest first)',
      actor: ben,
      async run(context) {
        await command(context, ben, BILLING_ALERTS, '/ticket queue');
        return { channel: BILLING_ALERTS };
      },
    },
    {
      title: 'Ben clicks “Take it” on #1001: the card flags Carla’s other open tickets',
      actor: ben,
      async run(context) {
        await press(context, ben, BILLING_ALERTS, { actionId: actionIds.take, value: '1001' });
        return { channel: BILLING_ALERTS };
      },
    },
    {
      title: 'Ana tries to take #1001 too',
      actor: ana,
      async run(context) {
        await command(context, ana, BILLING_ALERTS, '/ticket take 1001');
        return { channel: BILLING_ALERTS };
      },
    },
    {
      title: 'Ana takes the next waiting ticket with /ticket next',
      actor: ana,
      async run(context) {
        await command(context, ana, BILLING_ALERTS, '/ticket next');
        return { channel: BILLING_ALERTS };
      },
    },
    {
      title: 'Ben merges Carla’s duplicate #1003 into #1001 (he confirms first)',
      actor: ben,
      async run(context) {
        await command(context, ben, BILLING_ALERTS, '/ticket merge 1003 into 1001');
        await fillForm(context, ben, {});
        return { channel: BILLING_ALERTS };
      },
    },
    {
      title: 'Ben escalates #1001 to PayOps with a required internal note',
      actor: ben,
      async run(context) {
        await command(context, ben, BILLING_ALERTS, '/ticket escalate 1001');
        await fillForm(context, ben, {
          [escalationFields.group]: '20',
          [escalationFields.note]: 'The gateway captured the payment twice; please refund one capture.',
        });
        return { channel: BILLING_ALERTS };
      },
    },
    {
      title: 'Ben goes online for chats',
      actor: ben,
      async run(context) {
        await command(context, ben, dm(context, ben), '/ticket status online');
        return { channel: dm(context, ben) };
      },
    },
    {
      title: 'Ana goes online too',
      actor: ana,
      async run(context) {
        await command(context, ana, dm(context, ana), '/ticket status online');
        return { channel: dm(context, ana) };
      },
    },
    {
      title: 'Dana writes to deskbolt in a DM: a chat starts, and Billing’s online agents are pinged',
      actor: dana,
      async run(context) {
        must(
          await context.act.say(dana, dm(context, dana), 'Hi! Is my refund for order 88 through yet?'),
          'Dana writes',
        );
        return { channel: dm(context, dana) };
      },
    },
    {
      title: 'Ben accepts the chat',
      actor: ben,
      async run(context) {
        const chat = await openChatOf(context, dana);
        must(
          await context.act.use(ben, chat.thread, { actionId: actionIds.acceptChat, value: String(chat.ticketNumber) }),
          'accept the chat',
        );
        return { channel: chat.thread.channel, threadTs: chat.thread.ts };
      },
    },
    {
      title: 'Ben answers in the chat’s thread; deskbolt relays it to Dana’s DM',
      actor: ben,
      async run(context) {
        const chat = await openChatOf(context, dana);
        must(
          await context.act.say(ben, chat.thread.channel, 'Hi Dana, let me look that up for you.', chat.thread.ts),
          'Ben answers',
        );
        return { channel: chat.thread.channel, threadTs: chat.thread.ts };
      },
    },
    {
      title: 'Ben asks Ana to take the chat (Transfer): nothing moves until she accepts',
      actor: ben,
      async run(context) {
        const chat = await openChatOf(context, dana);
        must(
          await context.act.use(ben, chat.thread, {
            actionId: actionIds.transferChat,
            value: String(chat.ticketNumber),
          }),
          'Transfer',
        );
        await fillForm(context, ben, { [transferFields.target]: `agent:${ana}` });
        return { channel: chat.thread.channel, threadTs: chat.thread.ts };
      },
    },
    {
      title: 'Ana accepts the transfer in her DM',
      actor: ana,
      async run(context) {
        const chat = await openChatOf(context, dana);
        const transfer = await context.store.chats.openTransferOf(chat.ticketNumber);
        if (transfer === null) throw new Error('demo: no transfer is waiting');
        await press(context, ana, dm(context, ana), { actionId: actionIds.acceptTransfer, value: transfer.id });
        return { channel: dm(context, ana) };
      },
    },
    {
      title:
        'Ana has to leave early: Lee, the team lead, hands her tickets to Ben (/ticket reassign @ana @ben) — the form counts them, he confirms; her live chat stays with her (a chat moves only by a transfer)',
      actor: lee,
      async run(context) {
        await command(context, lee, dm(context, lee), '/ticket reassign @ana @ben');
        await fillForm(context, lee, {});
        return { channel: dm(context, lee) };
      },
    },
    {
      title: 'Ben lists his tickets with /ticket mine',
      actor: ben,
      async run(context) {
        await command(context, ben, dm(context, ben), '/ticket mine');
        return { channel: dm(context, ben) };
      },
    },
    {
      title:
        'Lee turns on routing for Billing (/ticket routing Billing on): new tickets are offered to its online agents in turn, and he sees who is in the rotation',
      actor: lee,
      async run(context) {
        await command(context, lee, dm(context, lee), '/ticket routing Billing on');
        return { channel: dm(context, lee) };
      },
    },
    {
      title: 'Carla files another ticket: deskbolt offers it to Ana, whose turn it is, in a DM with Accept / Pass',
      actor: carla,
      async run(context) {
        await command(context, carla, dm(context, carla), '/ticket new Refund still not on my card');
        await fillForm(context, carla, { [newTicketFields.group]: '10' });
        return { channel: dm(context, carla) };
      },
    },
    {
      title: 'Ana is busy with her chat and presses Pass: the offer goes on to Ben',
      actor: ana,
      async run(context) {
        const offer = await offerTo(context, ana);
        await press(context, ana, dm(context, ana), { actionId: actionIds.passOffer, value: offer });
        return { channel: dm(context, ana) };
      },
    },
    {
      title: 'Ben presses Accept: the ticket is his, as if he had taken it',
      actor: ben,
      async run(context) {
        const offer = await offerTo(context, ben);
        await press(context, ben, dm(context, ben), { actionId: actionIds.acceptOffer, value: offer });
        return { channel: dm(context, ben) };
      },
    },
    {
      title: 'Vic, who is not an agent, tries /ticket next',
      actor: visitor,
      async run(context) {
        await command(context, visitor, dm(context, visitor), '/ticket next');
        return { channel: dm(context, visitor) };
      },
    },
  ];
}

/** The id of the routing offer now out to `agent` (the newest ticket's). */
async function offerTo(context: MorningContext, agent: string): Promise<string> {
  const [offer] = await context.store.routing.openTo(agent);
  if (offer === undefined) throw new Error(`demo: nothing is offered to ${agent}`);
  return offer.id;
}

async function openChatOf(context: MorningContext, requester: string) {
  const chat = await context.store.chats.openOf(requester);
  if (chat === null) throw new Error('demo: the chat has not started');
  return { ticketNumber: chat.ticketNumber, thread: { channel: chat.thread.channel, ts: chat.thread.ts } };
}
