import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { AVAILABILITY_BADGE } from '../../../blocks/chat.js';
import { shortcutList, waitingChatsBlocks } from '../../../blocks/chat-desk.js';
import { helpMessage } from '../../../blocks/help.js';
import { newTicketModal } from '../../../blocks/new-ticket-modal.js';
import { queueMessage, workingList } from '../../../blocks/queue.js';
import { reportBlocks, statsMessage } from '../../../blocks/stats.js';
import { clip, escapeMrkdwn } from '../../../blocks/text.js';
import { cardText } from '../../../blocks/ticket-card.js';
import { escalationModal, macroSaveModal, mergeConfirmModal } from '../../../blocks/ticket-work-modals.js';
import { availabilityOf, setAvailability } from '../../chats/availability.js';
import { addShortcut, listShortcuts, removeShortcut } from '../../chats/shortcuts.js';
import { cancelTransfer, requestTransfer } from '../../chats/transfers.js';
import type { TransferTarget } from '../../chats/types.js';
import { waitingChats } from '../../chats/waiting.js';
import type { Desk } from '../../tickets/desk.js';
import { escalationGroups } from '../../tickets/escalation.js';
import { deletePersonalMacro, personalMacro } from '../../tickets/macros.js';
import { planMerge } from '../../tickets/merge.js';
import { agentNamed, type MentionedPerson } from '../../tickets/people.js';
import { agentOrRefusal, parseTicketNumber, ticketToWork } from '../../tickets/permissions.js';
import { linkIncident, markProblem } from '../../tickets/problems.js';
import { type Refusal, refuse, transferTargetText } from '../../tickets/refusals.js';
import { deskReport } from '../../tickets/reports.js';
import { deskStats, type Period, periodWindow } from '../../tickets/stats.js';
import { takeNextTicket, takeTicket } from '../../tickets/take.js';
import { agentQueue, cardView, workingTickets } from '../../tickets/views.js';
import { askerOf } from '../answer.js';
import { decodeSlackText } from '../decode-slack-text.js';
import { openRequesterPanel, sendChatEmail } from '../profiles.js';
import { cardBlocks, openReplyModal, showConversation } from '../screens.js';
import { refusalText, slackWords } from '../words.js';
import { adminSubcommands } from './admin.js';
import {
  answerTake,
  follow,
  type ListenerDeps,
  queueChoiceFor,
  type Subcommand,
  type SubcommandContext,
  unfollow,
} from './answers.js';
import { assignmentSubcommands } from './assignment.js';
import { editingSubcommands } from './editing.js';
import { routingSubcommands } from './routing.js';
import { searchSubcommands } from './search.js';

/** `#1004` → 1004, or the refusal told to the asker. */
async function ticketNumberOr(context: SubcommandContext, text: string | undefined): Promise<number | null> {
  const parsed = parseTicketNumber(text);
  if (parsed.ok) return parsed.number;
  await context.asker.refuse(parsed);
  return null;
}

/** "1004 1005 into 1002", "#1004 into #1002" */
function parseMerge(args: string): { ok: true; sources: number[]; target: number } | Refusal {
  const match = /^(.+?)\s+into\s+(\S+)$/i.exec(args.trim());
  if (!match) return refuse('merge_syntax');
  const target = parseTicketNumber(match[2]);
  if (!target.ok) return target;
  const sources: number[] = [];
  for (const word of match[1]!.split(/[\s,]+/).filter(Boolean)) {
    const source = parseTicketNumber(word);
    if (!source.ok) return source;
    sources.push(source.number);
  }
  return { ok: true, sources, target: target.number };
}

/** `@agent`, `lead` or `group NAME`, after the chat's number. */
function parseTransferTarget(
  desk: Desk,
  words: string[],
  chatGroup: number | null,
  mentions: readonly MentionedPerson[],
): TransferTarget | Refusal {
  const [first = '', ...rest] = words;
  if (first.toLowerCase() === 'lead')
    return chatGroup === null ? refuse('no_such_chat', {}) : { kind: 'lead', id: String(chatGroup) };
  if (first.toLowerCase() === 'group') {
    const group = desk.directory.findGroup(rest.join(' '));
    return group ? { kind: 'group', id: String(group.id) } : refuse('no_such_group_named', { typed: rest.join(' ') });
  }
  if (!first) return refuse('transfer_whom');
  const agent = agentNamed(desk, words.join(' '), mentions);
  return agent.ok ? { kind: 'agent', id: agent.agent.user } : agent;
}

/** `[@agent] [week|month]` in either order. */
function parseStatsArgs(
  desk: Desk,
  args: string,
  mentions: readonly MentionedPerson[],
): { ok: true; agent: string | undefined; period: Period } | Refusal {
  let agent: string | undefined;
  let period: Period = 'week';
  const names: string[] = [];
  for (const word of args.split(/\s+/).filter(Boolean)) {
    const lower = word.toLowerCase();
    if (lower === 'week' || lower === 'month') period = lower;
    else names.push(word);
  }
  if (names.length > 0) {
    const found = agentNamed(desk, names.join(' '), mentions);
    if (!found.ok)
      return found.code === 'no_such_person' ? refuse('not_agent_or_period', { typed: names.join(' ') }) : found;
    agent = found.agent.user;
  }
  return { ok: true, agent, period };
}

/**
 * `/ticket <subcommand> …`: one slash command, routed by its first word. The table is the whole list:
 * help is generated from it, so it never offers what does not exist.
 */
export const subcommands: ReadonlyMap<string, Subcommand> = new Map<string, Subcommand>([
  [
    'new',
    {
      usage: 'new [subject]',
      what: 'open a ticket (a form opens)',
      async run({ desk, args, triggerId, client, userId }) {
        // The trigger_id expires 3 seconds after the click: open the modal before anything else.
        await client.views.open({
          trigger_id: triggerId,
          view: newTicketModal({
            groups: desk.directory.groups(),
            subject: args.trim() || undefined,
            requesterId: userId,
          }),
        });
      },
    },
  ],
  [
    'show',
    {
      usage: 'show N [all]',
      what: 'the ticket as a card; with `all`, its whole conversation, oldest first',
      async run(context) {
        const [first, second, ...more] = context.args.split(/\s+/).filter(Boolean);
        const whole = second?.toLowerCase() === 'all' && more.length === 0;
        const number = await ticketNumberOr(context, whole ? first : context.args);
        if (number === null) return;
        if (whole) {
          await showConversation(
            context.desk,
            context.client,
            { triggerId: context.triggerId, inModal: false, openView: null },
            context.userId,
            number,
            { page: 0, part: 0 },
            context.asker,
          );
          return;
        }
        const card = await cardView(context.desk, number, context.userId);
        if (!card.ok) return context.asker.refuse(card);
        await context.asker.say(cardText(card.ticket), cardBlocks(context.desk, card));
      },
    },
  ],
  [
    'queue',
    {
      usage: 'queue [group]',
      what: 'unassigned tickets of your groups: urgent and high first, then oldest',
      agentsOnly: true,
      async run({ desk, args, userId, asker }) {
        const view = await agentQueue(desk, userId, args);
        if (!view.ok) return asker.refuse(view);
        const names = view.groupIds.map((id) => desk.directory.groupName(id));
        await asker.say(
          `${view.total} waiting in ${names.join(', ')}`,
          queueMessage({
            title: `Queue: ${names.join(', ')}`,
            tickets: view.tickets,
            total: view.total,
            groupNames: new Map(view.groupIds.map((id) => [id, desk.directory.groupName(id)])),
            now: desk.clock(),
          }),
        );
      },
    },
  ],
  [
    'take',
    {
      usage: 'take N',
      what: 'take a ticket',
      agentsOnly: true,
      async run(context) {
        const number = await ticketNumberOr(context, context.args);
        if (number === null) return;
        await answerTake(
          context.desk,
          context.asker,
          context.userId,
          await takeTicket(context.desk, { number, agent: context.userId }),
        );
      },
    },
  ],
  [
    'next',
    {
      usage: 'next',
      what: 'take the next unassigned ticket of your groups (urgent and high first, then oldest)',
      agentsOnly: true,
      async run({ desk, userId, asker }) {
        await answerTake(desk, asker, userId, await takeNextTicket(desk, userId));
      },
    },
  ],
  [
    'mine',
    {
      usage: 'mine',
      what: 'your open and pending tickets',
      agentsOnly: true,
      async run({ desk, userId, asker }) {
        const view = await workingTickets(desk, userId);
        if (!view.ok) return asker.refuse(view);
        await asker.say(`${view.tickets.length} open or pending`, workingList(view.tickets, desk.clock()));
      },
    },
  ],
  [
    'reply',
    {
      usage: 'reply N',
      what: 'reply, add a note, apply a macro, set the status (a form opens)',
      agentsOnly: true,
      async run(context) {
        const number = await ticketNumberOr(context, context.args);
        if (number === null) return;
        const refused = await openReplyModal(context.desk, context.client, context.triggerId, context.userId, number, {
          kind: 'public',
        });
        if (refused) await context.asker.refuse(refused);
      },
    },
  ],
  [
    'merge',
    {
      usage: 'merge N into M',
      what: 'merge a duplicate into another ticket (you confirm first)',
      agentsOnly: true,
      async run({ desk, args, userId, triggerId, client, asker }) {
        const parsed = parseMerge(args);
        if (!parsed.ok) return asker.refuse(parsed);
        const plan = await planMerge(desk, { sources: parsed.sources, target: parsed.target, agent: userId });
        if (!plan.ok) return asker.refuse(plan);
        await client.views.open({ trigger_id: triggerId, view: mergeConfirmModal(plan.sources, plan.target) });
      },
    },
  ],
  [
    'escalate',
    {
      usage: 'escalate N',
      what: 'send a ticket to another group with a note (a form opens)',
      agentsOnly: true,
      async run(context) {
        const number = await ticketNumberOr(context, context.args);
        if (number === null) return;
        const found = await ticketToWork(context.desk, context.userId, number);
        if (!found.ok) return context.asker.refuse(found);
        await context.client.views.open({
          trigger_id: context.triggerId,
          view: escalationModal(found.ticket, escalationGroups(context.desk, found.ticket)),
        });
      },
    },
  ],
  [
    'link',
    {
      usage: 'link N to P',
      what: 'make N an incident of problem P',
      agentsOnly: true,
      async run(context) {
        const match = /^(\S+)\s+to\s+(\S+)$/i.exec(context.args.trim());
        if (!match) return context.asker.refuse(refuse('link_syntax'));
        const incident = await ticketNumberOr(context, match[1]);
        const problem = incident === null ? null : await ticketNumberOr(context, match[2]);
        if (incident === null || problem === null) return;
        const result = await linkIncident(context.desk, { incident, problem, agent: context.userId });
        if (!result.ok) return context.asker.refuse(result);
        await context.asker.say(
          `#${incident} is now an incident of problem #${problem}. Solving #${problem} solves it too.`,
        );
      },
    },
  ],
  [
    'problem',
    {
      usage: 'problem N',
      what: 'mark a ticket as a problem',
      agentsOnly: true,
      async run(context) {
        const number = await ticketNumberOr(context, context.args);
        if (number === null) return;
        const result = await markProblem(context.desk, { number, agent: context.userId });
        if (!result.ok) return context.asker.refuse(result);
        await context.asker.say(
          `#${number} is now a problem. Link its incidents with \`/ticket link N to ${number}\`.`,
        );
      },
    },
  ],
  [
    'macro',
    {
      usage: 'macro save|edit|delete NAME',
      what: 'save a personal macro, edit one of yours (a form opens with it), or delete one',
      agentsOnly: true,
      async run({ desk, args, userId, triggerId, client, asker }) {
        const [verb = '', ...rest] = args.trim().split(/\s+/);
        const name = rest.join(' ').slice(0, 80);
        const allowed = agentOrRefusal(desk, userId);
        if (!allowed.ok) return asker.refuse(allowed);
        switch (verb.toLowerCase()) {
          case 'save':
            await client.views.open({ trigger_id: triggerId, view: macroSaveModal(name) });
            return;
          case 'edit': {
            const found = await personalMacro(desk, userId, name);
            if (!found.ok) return asker.refuse(found);
            await client.views.open({ trigger_id: triggerId, view: macroSaveModal(found.macro.name, found.macro) });
            return;
          }
          case 'delete': {
            const deleted = await deletePersonalMacro(desk, userId, name);
            if (!deleted.ok) return asker.refuse(deleted);
            return asker.say(`Deleted your macro “${escapeMrkdwn(name.trim())}”.`);
          }
          default:
            return asker.say(
              'Try `/ticket macro save NAME`, `/ticket macro edit NAME` or `/ticket macro delete NAME`.',
            );
        }
      },
    },
  ],
  [
    'status',
    {
      usage: 'status [online|away|offline]',
      what: 'your chat availability (incoming chats ping online agents only)',
      agentsOnly: true,
      async run({ desk, args, userId, asker }) {
        if (!args.trim()) {
          const allowed = agentOrRefusal(desk, userId);
          if (!allowed.ok) return asker.refuse(allowed);
          const now = await availabilityOf(desk, userId);
          return asker.say(
            `You are ${AVAILABILITY_BADGE[now]}. Change it with \`/ticket status online|away|offline\`.`,
          );
        }
        const result = await setAvailability(desk, userId, args);
        if (!result.ok) return asker.refuse(result);
        await asker.say(`You are now ${AVAILABILITY_BADGE[result.availability]}.`);
      },
    },
  ],
  [
    'transfer',
    {
      usage: 'transfer N @agent | N lead | N group NAME | cancel N',
      what: 'offer a chat to someone; it moves only when they accept',
      agentsOnly: true,
      async run(context) {
        const { desk, userId, asker } = context;
        const words = context.args.split(/\s+/).filter(Boolean);
        if (words[0]?.toLowerCase() === 'cancel') {
          const number = await ticketNumberOr(context, words[1]);
          if (number === null) return;
          const result = await cancelTransfer(desk, { ticketNumber: number, by: userId });
          if (!result.ok) return asker.refuse(result);
          return asker.say(`Cancelled the transfer request for chat #${number}; the chat stays with you.`);
        }
        const number = await ticketNumberOr(context, words[0]);
        if (number === null) return;
        const chat = await desk.store.chats.get(number);
        const target = parseTransferTarget(desk, words.slice(1), chat?.groupId ?? null, context.mentions);
        if ('ok' in target) return asker.refuse(target);
        const result = await requestTransfer(desk, { ticketNumber: number, from: userId, to: target });
        if (!result.ok) return asker.say(refusalText(desk, result), queueChoiceFor(desk, number, result));
        await asker.say(
          `Asked ${transferTargetText(target, slackWords(desk.directory))} to take chat #${number}. It stays with you until they accept (the request expires in ${desk.settings.transferExpirySeconds} s).`,
        );
      },
    },
  ],
  [
    'stats',
    {
      usage: 'stats [@agent] [week|month]',
      what: 'solved, satisfaction, first-contact resolution and response times',
      agentsOnly: true,
      async run({ desk, args, mentions, userId, asker }) {
        if (!desk.directory.agent(userId)) return asker.say('Sorry — stats are for support agents.');
        const parsed = parseStatsArgs(desk, args, mentions);
        if (!parsed.ok) return asker.refuse(parsed);
        const window = periodWindow(parsed.period, desk.clock());
        const scope = parsed.agent ? { agent: parsed.agent } : {};
        const [stats, report] = await Promise.all([deskStats(desk, window, scope), deskReport(desk, window, scope)]);
        const who = parsed.agent ? desk.directory.agent(parsed.agent)!.name : desk.directory.workspace.name;
        const title = `${who} — last ${parsed.period === 'week' ? '7' : '30'} days`;
        const reportLines = reportBlocks(report, {
          group: (id) => desk.directory.groupName(id),
          agentInScope: parsed.agent !== undefined,
        });
        await asker.say(`${title}: ${stats.solved} solved`, [...statsMessage(title, stats), ...reportLines]);
      },
    },
  ],
  [
    'chats',
    {
      usage: 'chats',
      what: 'chats waiting for an agent of your groups, oldest first',
      agentsOnly: true,
      async run({ desk, userId, asker }) {
        const list = await waitingChats(desk, userId);
        if (!list.ok) return asker.refuse(list);
        await asker.say(
          `${list.chats.length} chat(s) waiting for an agent`,
          waitingChatsBlocks(list.chats, desk.clock()),
        );
      },
    },
  ],
  [
    'shortcut',
    {
      usage: 'shortcut add NAME TEXT | list | remove NAME',
      what: 'your chat shortcuts: type #NAME in a chat thread to send its text',
      agentsOnly: true,
      async run({ desk, args, userId, asker }) {
        const [verb = 'list', name = ''] = args.split(/\s+/);
        const text = args.trim().slice(verb.length).trim().slice(name.length).trim();
        const sigil = desk.directory.workspace.chat.shortcutSigil;
        if (verb.toLowerCase() === 'add') {
          const result = await addShortcut(desk, userId, { name, text });
          if (!result.ok) return asker.refuse(result);
          return asker.say(
            `${result.replaced ? 'Replaced' : 'Added'} your shortcut \`${sigil}${result.name}\`. Write it at the start of a chat reply to send its text.`,
          );
        }
        if (verb.toLowerCase() === 'remove') {
          const result = await removeShortcut(desk, userId, name);
          if (!result.ok) return asker.refuse(result);
          return asker.say(`Removed your shortcut \`${sigil}${result.name}\`.`);
        }
        if (verb.toLowerCase() === 'list') {
          const list = await listShortcuts(desk, userId);
          if (!list.ok) return asker.refuse(list);
          return asker.say(
            `${list.personal.length} personal, ${list.shared.length} shared shortcuts`,
            shortcutList(list),
          );
        }
        await asker.say(
          `I don't know \`/ticket shortcut ${clip(verb, 30).replace(/`/g, "'")}\`. Use \`add NAME TEXT\`, \`list\` or \`remove NAME\`.`,
        );
      },
    },
  ],
  [
    'follow',
    {
      usage: 'follow N',
      what: 'see a live chat as it happens (a copy in your DM), unseen by the requester',
      agentsOnly: true,
      async run(context) {
        const number = await ticketNumberOr(context, context.args);
        if (number !== null) await follow(context.desk, context.asker, number, context.userId);
      },
    },
  ],
  [
    'unfollow',
    {
      usage: 'unfollow N',
      what: 'stop following a chat',
      agentsOnly: true,
      async run(context) {
        const number = await ticketNumberOr(context, context.args);
        if (number !== null) await unfollow(context.desk, context.asker, number, context.userId);
      },
    },
  ],
  [
    'email',
    {
      usage: 'email N TEXT',
      what: 'email the requester of your live chat without ending it',
      agentsOnly: true,
      async run(context) {
        const [first = ''] = context.args.split(/\s+/);
        const number = await ticketNumberOr(context, first);
        if (number === null) return;
        const result = await sendChatEmail(
          context.desk,
          context.client,
          number,
          context.userId,
          context.args.trim().slice(first.length),
        );
        if (!result.ok) return context.asker.refuse(result);
        await context.asker.say(`Emailed the requester of chat #${number} (${result.to.email}); the chat goes on.`);
      },
    },
  ],
  [
    'requester',
    {
      usage: 'requester N',
      what: 'who asked: what Slack and deskbolt know of the requester',
      agentsOnly: true,
      async run(context) {
        const allowed = agentOrRefusal(context.desk, context.userId);
        if (!allowed.ok) return context.asker.refuse(allowed);
        const number = await ticketNumberOr(context, context.args);
        if (number !== null)
          await openRequesterPanel(
            context.desk,
            context.log,
            context.client,
            context.triggerId,
            number,
            context.userId,
          );
      },
    },
  ],
  ...assignmentSubcommands,
  ...editingSubcommands,
  ...searchSubcommands,
  ...adminSubcommands,
  ...routingSubcommands,
  [
    'help',
    {
      usage: 'help',
      what: 'this list',
      async run({ desk, userId, asker }) {
        const role = desk.directory.agent(userId)?.role;
        const isAgent = role !== undefined;
        const leads = role === 'lead' || role === 'admin';
        const entries = [...subcommands.values()].filter(
          (entry) => (isAgent || !entry.agentsOnly) && (leads || !entry.leadsOnly),
        );
        await asker.say('deskbolt commands', helpMessage(entries, isAgent));
      },
    },
  ],
]);

/** The `/ticket` command: routes by its first word; a fault is logged, never shown raw. */
export async function ticketCommand(
  deps: ListenerDeps,
  { command, ack, respond, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  // Slack's encoding is read once, here. A mention Slack did not label reads as its id (`@U123`): one word, the same person.
  const decoded = decodeSlackText(command.text ?? '', { user: () => undefined });
  const text = decoded.text.trim();
  const [word = 'help', ...rest] = text.split(/\s+/);
  const asker = askerOf({
    desk: deps.desk,
    log: deps.log,
    client,
    userId: command.user_id,
    respond,
    hasResponseUrl: true,
  });
  const subcommand = subcommands.get(word.toLowerCase());
  if (!subcommand) {
    await asker.say(`I don't know \`/ticket ${clip(word, 30).replace(/`/g, "'")}\`. Try \`/ticket help\`.`);
    return;
  }
  const refused = agentsOnlyRefusal(deps.desk, subcommand, command.user_id);
  if (refused) return asker.refuse(refused);
  await subcommand.run({
    desk: deps.desk,
    log: deps.log,
    userId: command.user_id,
    args: text.slice(word.length).trim() || rest.join(' '),
    mentions: decoded.mentions,
    triggerId: command.trigger_id,
    client,
    respond,
    asker,
  });
}

/** A subcommand for agents only, asked by someone who is not one: refused in its own words. */
function agentsOnlyRefusal(desk: Desk, subcommand: Subcommand, userId: string): Refusal | null {
  if (!subcommand.agentsOnly || desk.directory.agent(userId)) return null;
  return subcommand.agentsOnly === true
    ? refuse('not_an_agent')
    : refuse('agents_only', { action: subcommand.agentsOnly });
}

export function registerCommands(app: App, deps: ListenerDeps): void {
  app.command('/ticket', (args) => ticketCommand(deps, args));
}
