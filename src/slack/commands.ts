import type { App } from '@slack/bolt';
import { helpMessage } from '../../blocks/help.js';
import { newTicketModal } from '../../blocks/new-ticket-modal.js';
import { queueMessage, workingList } from '../../blocks/queue.js';
import { clip } from '../../blocks/text.js';
import { parseTicketNumber } from '../tickets/permissions.js';
import { takeNextTicket, takeTicket } from '../tickets/take.js';
import { agentQueue, workingTickets } from '../tickets/views.js';
import { tellEphemeral, type SlackDeps, type Subcommand, type SubcommandContext } from './context.js';
import { decodeSlackText } from './decode-slack-text.js';
import { refreshHome } from './home.js';
import { safely, takenCard, ticketTaken } from './notify.js';
import { cardFor } from './ticket-view.js';

/**
 * `/ticket <subcommand> …`: one slash command, routed by its first word. Each feature adds its
 * subcommands to this table; help is generated from it so it never lists what does not exist.
 */
export const subcommands = new Map<string, Subcommand>();

export function addSubcommands(entries: Record<string, Subcommand>): void {
  for (const [word, subcommand] of Object.entries(entries)) subcommands.set(word, subcommand);
}

addSubcommands({
  new: {
    usage: 'new [subject]',
    what: 'open a ticket (a form opens)',
    async run({ deps, args, triggerId, client, userId }) {
      // The trigger_id expires 3 seconds after the click: open the modal before anything else.
      await client.views.open({
        trigger_id: triggerId,
        view: newTicketModal({ groups: deps.desk.directory.groups(), subject: args.trim() || undefined, requesterId: userId }),
      });
    },
  },
  show: {
    usage: 'show N',
    what: 'the ticket as a card',
    async run({ deps, args, userId, respond }) {
      const parsed = parseTicketNumber(args);
      if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
      const card = await cardFor(deps, parsed.number, userId);
      if (!card.ok) return tellEphemeral(respond, card.reason);
      await respond({ response_type: 'ephemeral', text: `#${card.ticket.number} ${clip(card.ticket.subject, 150)}`, blocks: card.blocks });
    },
  },
  queue: {
    usage: 'queue [group]',
    what: 'unassigned tickets of your groups, oldest first',
    agentsOnly: true,
    async run({ deps, args, userId, respond }) {
      const view = await agentQueue(deps.desk, userId, args);
      if (!view.ok) return tellEphemeral(respond, view.reason);
      const names = view.groupIds.map((id) => deps.desk.directory.groupName(id));
      await respond({
        response_type: 'ephemeral',
        text: `${view.total} waiting in ${names.join(', ')}`,
        blocks: queueMessage({
          title: `Queue: ${names.join(', ')}`,
          tickets: view.tickets,
          total: view.total,
          groupNames: new Map(view.groupIds.map((id) => [id, deps.desk.directory.groupName(id)])),
          now: deps.desk.clock(),
        }),
      });
    },
  },
  take: {
    usage: 'take N',
    what: 'take a ticket',
    agentsOnly: true,
    async run(context) {
      const parsed = parseTicketNumber(context.args);
      if (!parsed.ok) return tellEphemeral(context.respond, parsed.reason);
      await take(context, parsed.number);
    },
  },
  next: {
    usage: 'next',
    what: 'take the oldest unassigned ticket of your groups',
    agentsOnly: true,
    async run({ deps, userId, respond, client }) {
      const result = await takeNextTicket(deps.desk, userId);
      if (!result.ok) return tellEphemeral(respond, result.reason);
      await respond({ response_type: 'ephemeral', text: `You took #${result.ticket.number}.`, blocks: takenCard(deps.desk, result) });
      await ticketTaken(client, deps.desk, deps.log, result);
      await refreshHome(client, deps.desk, userId, { log: deps.log });
    },
  },
  mine: {
    usage: 'mine',
    what: 'your open and pending tickets',
    agentsOnly: true,
    async run({ deps, userId, respond }) {
      const view = await workingTickets(deps.desk, userId);
      if (!view.ok) return tellEphemeral(respond, view.reason);
      await respond({ response_type: 'ephemeral', text: `${view.tickets.length} open or pending`, blocks: workingList(view.tickets, deps.desk.clock()) });
    },
  },
  help: {
    usage: 'help',
    what: 'this list',
    async run({ deps, userId, respond }) {
      const isAgent = deps.desk.directory.agent(userId) !== undefined;
      const entries = [...subcommands.values()].filter((entry) => isAgent || !entry.agentsOnly);
      await respond({ response_type: 'ephemeral', text: 'deskbolt commands', blocks: helpMessage(entries, isAgent) });
    },
  },
});

export async function take(context: Pick<SubcommandContext, 'deps' | 'userId' | 'respond' | 'client'>, number: number): Promise<void> {
  const { deps, userId, respond, client } = context;
  const result = await takeTicket(deps.desk, { number, agent: userId });
  if (!result.ok) return tellEphemeral(respond, result.reason);
  await respond({ response_type: 'ephemeral', text: `You took #${number}.`, blocks: takenCard(deps.desk, result) });
  await ticketTaken(client, deps.desk, deps.log, result);
  if (!result.alreadyYours) await refreshHome(client, deps.desk, userId, { log: deps.log });
}

export function registerCommands(app: App, deps: SlackDeps): void {
  app.command('/ticket', async ({ command, ack, respond, client }) => {
    await ack();
    // A mention Slack did not label reads as its id (`@U123`), which names the same person one word long.
    const decoded = decodeSlackText(command.text ?? '', { user: () => undefined });
    const text = decoded.text.trim();
    const [word = 'help', ...rest] = text.split(/\s+/);
    const subcommand = subcommands.get(word.toLowerCase());
    if (!subcommand) {
      await tellEphemeral(respond, `I don't know \`/ticket ${clip(word, 30)}\`. Try \`/ticket help\`.`);
      return;
    }
    await safely(deps.log, `/ticket ${word}`, () =>
      subcommand.run({
        deps,
        userId: command.user_id,
        channelId: command.channel_id,
        args: text.slice(word.length).trim() || rest.join(' '),
        mentions: decoded.mentions,
        triggerId: command.trigger_id,
        client,
        respond,
      }),
    );
  });
}
