import type { App, BlockAction, ButtonAction, ViewSubmitAction } from '@slack/bolt';
import { assignModal, bulkMoveDone, bulkMoveModal, handoffAsked } from '../../../blocks/assignment.js';
import { actionIds, assignFields, callbackIds } from '../../../blocks/ids.js';
import { clip } from '../../../blocks/text.js';
import { type AssignResult, assignOrHandOff, releaseTicket } from '../../tickets/assignment.js';
import { mayAssign } from '../../tickets/assignment-rules.js';
import { confirmBulkMove, planBulkMove } from '../../tickets/bulk-move.js';
import type { Desk } from '../../tickets/desk.js';
import { acceptHandoff, cancelHandoff, declineHandoff, type HandoffRequestResult } from '../../tickets/hand-over.js';
import { agentNamed, type MentionedPerson, personNamed } from '../../tickets/people.js';
import { parseTicketNumber, ticketToWork } from '../../tickets/permissions.js';
import { type Refusal, refuse } from '../../tickets/refusals.js';
import { cardView } from '../../tickets/views.js';
import type { Asker } from '../answer.js';
import { answersOf, cardBlocks, type StateValues } from '../screens.js';
import { viewMetadata } from '../view-metadata.js';
import { refusalPlainText } from '../words.js';
import {
  askerOfClick,
  askerOfSubmit,
  type ButtonArgs,
  type ListenerDeps,
  type Subcommand,
  type SubcommandContext,
  type SubmitArgs,
} from './answers.js';

/** What the person who moved a ticket is told. */
export async function answerAssignment(
  desk: Desk,
  asker: Asker,
  result: AssignResult | HandoffRequestResult | Refusal,
): Promise<void> {
  if (!result.ok) return asker.refuse(result);
  const number = result.ticket.number;
  if (result.kind === 'handoff') {
    const asked = handoffAsked(result.handoff, desk.directory.workspace.settings.handoffExpiryMinutes);
    return asker.say(asked.text, asked.blocks);
  }
  if (result.kind === 'released')
    return asker.say(`Released #${number} to the queue${result.previous ? ` (it was <@${result.previous}>'s)` : ''}.`);
  const to = result.ticket.assignee!;
  await asker.say(
    result.previous
      ? `Reassigned #${number} from <@${result.previous}> to <@${to}>.`
      : `Assigned #${number} to <@${to}>.`,
  );
}

async function numberOr(context: SubcommandContext, text: string | undefined): Promise<number | null> {
  const parsed = parseTicketNumber(text);
  if (parsed.ok) return parsed.number;
  await context.asker.refuse(parsed);
  return null;
}

/** `assign N @agent` (and `reassign N @agent`): the ticket to the person named, or the refusal. */
async function assignOne(context: SubcommandContext, number: number, typed: string): Promise<void> {
  const person = personNamed(context.desk, typed, context.mentions);
  if (!person.ok) return context.asker.refuse(person);
  await answerAssignment(
    context.desk,
    context.asker,
    await assignOrHandOff(context.desk, { number, by: context.userId, to: person.userId }),
  );
}

/**
 * Someone named who is not an agent: a person Slack identified is named as the mention; anything else
 * is quoted as typed (escaped by the refusal's words), so typed markup never pings the lead's channel.
 */
function notAnAgent(desk: Desk, typed: string, mentions: readonly MentionedPerson[]): Refusal {
  const person = personNamed(desk, typed, mentions);
  return person.ok ? refuse('assignee_not_an_agent', { person: person.userId }) : refuse('no_such_person', { typed });
}

/** The form to pick who gets the ticket: a lead assigns, the agent who has it asks a colleague. */
async function openAssignModal(
  desk: Desk,
  client: ButtonArgs['client'],
  triggerId: string,
  userId: string,
  number: number,
): Promise<Refusal | null> {
  const found = await ticketToWork(desk, userId, number);
  if (!found.ok) return found;
  const ticket = found.ticket;
  const leads = mayAssign(desk, userId, ticket.groupId);
  if (!leads && ticket.assignee !== userId)
    return ticket.assignee
      ? refuse('handoff_not_yours', { number, agent: ticket.assignee })
      : refuse('assign_not_allowed', { number, groupId: ticket.groupId });
  const agents = desk.directory
    .agentsOf(ticket.groupId)
    .filter((agent) => agent.user !== ticket.assignee && (leads || agent.user !== userId))
    .map((agent) => ({ user: agent.user, name: agent.name }));
  await client.views.open({
    trigger_id: triggerId,
    view: assignModal({ ticket, agents, mode: leads ? 'assign' : 'handoff' }),
  });
  return null;
}

/** `/ticket assign`, `/ticket release`, `/ticket reassign`: routed by commands.ts with the rest. */
export const assignmentSubcommands: [string, Subcommand][] = [
  [
    'assign',
    {
      usage: 'assign N @agent',
      what: 'leads: give a ticket to an agent of its group; your own: ask a colleague to take it over',
      agentsOnly: true,
      async run(context) {
        const [first = '', ...rest] = context.args.split(/\s+/).filter(Boolean);
        const number = await numberOr(context, first);
        if (number === null) return;
        if (rest.length === 0) {
          const refused = await openAssignModal(
            context.desk,
            context.client,
            context.triggerId,
            context.userId,
            number,
          );
          if (refused) await context.asker.refuse(refused);
          return;
        }
        await assignOne(context, number, rest.join(' '));
      },
    },
  ],
  [
    'release',
    {
      usage: 'release N',
      what: 'put a ticket back in the queue (yours, or as a lead any of your groups)',
      agentsOnly: true,
      async run(context) {
        const number = await numberOr(context, context.args);
        if (number === null) return;
        await answerAssignment(
          context.desk,
          context.asker,
          await releaseTicket(context.desk, { number, by: context.userId }),
        );
      },
    },
  ],
  [
    'reassign',
    {
      usage: 'reassign @absent @agent | @absent queue | N @agent',
      what: 'leads: hand all of an absent agent’s open and pending tickets to someone, or to the queue (you confirm first); with a ticket number, as `assign N @agent`',
      agentsOnly: true,
      async run(context) {
        const { desk, args, userId, triggerId, client, asker, mentions } = context;
        const words = args.split(/\s+/).filter(Boolean);
        if (words.length < 2) return asker.refuse(refuse('reassign_syntax'));
        // The words a lead types for one ticket: what `assign N @agent` does.
        const one = parseTicketNumber(words[0]);
        if (one.ok) return assignOne(context, one.number, words.slice(1).join(' '));
        const targetWords = words.slice(1).join(' ');
        const from = personNamed(desk, words[0]!, mentions);
        if (!from.ok) return asker.refuse(from);
        let to: string | null = null;
        if (targetWords.toLowerCase() !== 'queue') {
          const agent = agentNamed(desk, targetWords, mentions);
          if (!agent.ok)
            return asker.refuse(agent.code === 'no_such_person' ? notAnAgent(desk, targetWords, mentions) : agent);
          to = agent.agent.user;
        }
        const plan = await planBulkMove(desk, { by: userId, from: from.userId, to });
        if (!plan.ok) return asker.refuse(plan);
        const groupNames = new Map(desk.directory.groups().map((group) => [group.id, group.name]));
        await client.views.open({ trigger_id: triggerId, view: bulkMoveModal({ ...plan, groupNames }) });
      },
    },
  ],
];

async function ticketOfClick(deps: ListenerDeps, args: ButtonArgs): Promise<number | null> {
  const parsed = parseTicketNumber(args.action.value);
  if (parsed.ok) return parsed.number;
  await askerOfClick(deps, args).refuse(parsed);
  return null;
}

async function assignClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const number = await ticketOfClick(deps, args);
  if (number === null) return;
  const refused = await openAssignModal(deps.desk, args.client, args.body.trigger_id, args.body.user.id, number);
  if (refused) await askerOfClick(deps, args).refuse(refused);
}

async function releaseClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const number = await ticketOfClick(deps, args);
  if (number === null) return;
  await answerAssignment(
    deps.desk,
    askerOfClick(deps, args),
    await releaseTicket(deps.desk, { number, by: args.body.user.id }),
  );
}

/** Decline and Cancel on a hand-over: the offer itself is updated by the notifier, for everyone. */
async function handoffAnswered(
  deps: ListenerDeps,
  args: ButtonArgs,
  answer: typeof declineHandoff | typeof cancelHandoff,
): Promise<void> {
  await args.ack();
  const result = await answer(deps.desk, { handoffId: args.action.value ?? '', by: args.body.user.id });
  if (!result.ok) return askerOfClick(deps, args).refuse(result);
}

/** Accepted: the ticket is theirs, and they get its card to work it from. */
async function handoffAccepted(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const userId = args.body.user.id;
  const result = await acceptHandoff(deps.desk, { handoffId: args.action.value ?? '', by: userId });
  const asker = askerOfClick(deps, args);
  if (!result.ok) return asker.refuse(result);
  const card = await cardView(deps.desk, result.ticket.number, userId);
  await asker.say(`#${result.ticket.number} is yours now.`, card.ok ? cardBlocks(deps.desk, card) : undefined);
}

async function assignSubmitted(deps: ListenerDeps, args: SubmitArgs): Promise<void> {
  const { ack, body, view } = args;
  const metadata = viewMetadata(view, 'assign');
  if (!metadata)
    return ack({
      response_action: 'errors',
      errors: { [assignFields.agent]: refusalPlainText(deps.desk, refuse('form_unreadable')) },
    });
  const to = answersOf((view.state as { values?: StateValues }).values)[assignFields.agent]?.selected_option?.value;
  if (!to)
    return ack({
      response_action: 'errors',
      errors: { [assignFields.agent]: refusalPlainText(deps.desk, refuse('assignee_unpicked')) },
    });
  // Decided before the ack, so a refusal (not in the group, changed meanwhile) shows on the form.
  const result = await assignOrHandOff(deps.desk, {
    number: metadata.number,
    by: body.user.id,
    to,
    seenAssignee: metadata.seenAssignee,
  });
  if (!result.ok)
    return ack({
      response_action: 'errors',
      errors: { [assignFields.agent]: clip(refusalPlainText(deps.desk, result), 2000) },
    });
  await ack();
  await answerAssignment(deps.desk, askerOfSubmit(deps, args), result);
}

async function bulkMoveConfirmed(deps: ListenerDeps, args: SubmitArgs): Promise<void> {
  // The hand-over may take a while: Slack hears at once, the lead hears the outcome in a DM.
  await args.ack();
  const metadata = viewMetadata(args.view, 'bulkMove');
  const asker = askerOfSubmit(deps, args);
  if (!metadata) return asker.refuse(refuse('form_unreadable'));
  const result = await confirmBulkMove(deps.desk, { moveId: metadata.moveId, by: args.body.user.id });
  if (!result.ok) return asker.refuse(result);
  await asker.say(bulkMoveDone(result.move));
}

/** Buttons and forms of assignment: the card's Assign, Hand over and Release, the offer's answers, and the two forms. */
export function registerAssignment(app: App, deps: ListenerDeps): void {
  const button = (id: string, handler: (args: ButtonArgs) => Promise<void>) =>
    app.action<BlockAction<ButtonAction>>(id, handler);
  button(actionIds.assign, (args) => assignClicked(deps, args));
  button(actionIds.handoff, (args) => assignClicked(deps, args));
  button(actionIds.release, (args) => releaseClicked(deps, args));
  button(actionIds.acceptHandoff, (args) => handoffAccepted(deps, args));
  button(actionIds.declineHandoff, (args) => handoffAnswered(deps, args, declineHandoff));
  button(actionIds.cancelHandoff, (args) => handoffAnswered(deps, args, cancelHandoff));
  app.view<ViewSubmitAction>(callbackIds.assign, (args) => assignSubmitted(deps, args));
  app.view<ViewSubmitAction>(callbackIds.bulkMove, (args) => bulkMoveConfirmed(deps, args));
}
