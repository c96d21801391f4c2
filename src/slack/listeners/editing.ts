import type { App, BlockAction, ButtonAction, ViewSubmitAction } from '@slack/bolt';
import { editModal } from '../../../blocks/edit-modal.js';
import { actionIds, callbackIds, editFields } from '../../../blocks/ids.js';
import { clip } from '../../../blocks/text.js';
import type { Desk } from '../../tickets/desk.js';
import { changeTags, type EditField, editTicket } from '../../tickets/editing.js';
import { parseTicketNumber, ticketToWork } from '../../tickets/permissions.js';
import { type Refusal, refuse } from '../../tickets/refusals.js';
import { askerOf } from '../answer.js';
import { answersOf, type StateValues } from '../screens.js';
import { viewMetadata } from '../view-metadata.js';
import { refusalPlainText } from '../words.js';
import type { ButtonArgs, ListenerDeps, Subcommand, SubcommandContext, SubmitArgs } from './answers.js';

const BLOCK_OF_FIELD: Record<EditField, string> = {
  subject: editFields.subject,
  priority: editFields.priority,
  tags: editFields.tags,
  group: editFields.group,
  note: editFields.note,
  requesterName: editFields.requesterName,
  requesterEmail: editFields.requesterEmail,
};

async function openEditModal(
  desk: Desk,
  client: ButtonArgs['client'],
  triggerId: string,
  userId: string,
  number: number,
): Promise<Refusal | null> {
  const found = await ticketToWork(desk, userId, number);
  if (!found.ok) return found;
  await client.views.open({ trigger_id: triggerId, view: editModal(found.ticket, desk.directory.groups()) });
  return null;
}

async function tagsCommand(context: SubcommandContext, verb: 'add' | 'remove'): Promise<void> {
  const [first = '', ...words] = context.args.split(/\s+/).filter(Boolean);
  const number = parseTicketNumber(first);
  if (!number.ok) return context.asker.refuse(number);
  const result = await changeTags(context.desk, { number: number.number, by: context.userId, [verb]: words.join(' ') });
  if (!result.ok) return context.asker.refuse(result);
  await context.asker.say(
    result.tags.length > 0
      ? `#${number.number} is tagged ${result.tags.map((tag) => `\`${tag}\``).join(' ')}.`
      : `#${number.number} has no tags now.`,
  );
}

/** `/ticket edit`, `/ticket tag`, `/ticket untag`: routed by commands.ts with the rest. */
export const editingSubcommands: [string, Subcommand][] = [
  [
    'edit',
    {
      usage: 'edit N',
      what: 'correct the subject, priority, tags, group or an email requester’s address (a form opens)',
      agentsOnly: true,
      async run(context) {
        const number = parseTicketNumber(context.args);
        if (!number.ok) return context.asker.refuse(number);
        const refused = await openEditModal(
          context.desk,
          context.client,
          context.triggerId,
          context.userId,
          number.number,
        );
        if (refused) await context.asker.refuse(refused);
      },
    },
  ],
  [
    'tag',
    {
      usage: 'tag N word…',
      what: 'add tags to a ticket',
      agentsOnly: true,
      run: (context) => tagsCommand(context, 'add'),
    },
  ],
  [
    'untag',
    {
      usage: 'untag N word…',
      what: 'remove tags from a ticket',
      agentsOnly: true,
      run: (context) => tagsCommand(context, 'remove'),
    },
  ],
];

async function editClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const asker = askerOf({
    desk: deps.desk,
    log: deps.log,
    client: args.client,
    userId: args.body.user.id,
    respond: args.respond,
    hasResponseUrl: Boolean(args.body.response_url),
  });
  const number = parseTicketNumber(args.action.value);
  if (!number.ok) return asker.refuse(number);
  const refused = await openEditModal(deps.desk, args.client, args.body.trigger_id, args.body.user.id, number.number);
  if (refused) await asker.refuse(refused);
}

/** Decided before the ack: a refusal (a bad tag, no note for another group, a change meanwhile) shows on its field. */
async function editSubmitted(deps: ListenerDeps, { ack, body, view }: SubmitArgs): Promise<void> {
  const metadata = viewMetadata(view, 'edit');
  if (!metadata)
    return ack({
      response_action: 'errors',
      errors: { [editFields.subject]: refusalPlainText(deps.desk, refuse('form_unreadable')) },
    });
  const answers = answersOf((view.state as { values?: StateValues }).values);
  const value = (id: string) => answers[id]?.value ?? undefined;
  const groupText = answers[editFields.group]?.selected_option?.value;
  const result = await editTicket(deps.desk, {
    number: metadata.number,
    by: body.user.id,
    seenVersion: metadata.version,
    edit: {
      subject: value(editFields.subject) ?? '',
      priority: answers[editFields.priority]?.selected_option?.value,
      tags: value(editFields.tags) ?? '',
      ...(groupText ? { groupId: Number(groupText) } : {}),
      ...(value(editFields.note) ? { note: value(editFields.note) } : {}),
      ...(editFields.requesterEmail in answers
        ? {
            requesterEmail: value(editFields.requesterEmail) ?? '',
            requesterName: value(editFields.requesterName) ?? '',
          }
        : {}),
    },
  });
  if (!result.ok) {
    const blockIds = new Set(view.blocks.map((block) => (block as { block_id?: string }).block_id));
    const wanted = BLOCK_OF_FIELD[result.field ?? 'subject'];
    const blockId = blockIds.has(wanted) ? wanted : editFields.subject;
    return ack({ response_action: 'errors', errors: { [blockId]: clip(refusalPlainText(deps.desk, result), 2000) } });
  }
  await ack();
}

/** The card's Edit button and the edit form. */
export function registerEditing(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(actionIds.edit, (args) => editClicked(deps, args));
  app.view<ViewSubmitAction>(callbackIds.edit, (args) => editSubmitted(deps, args));
}
