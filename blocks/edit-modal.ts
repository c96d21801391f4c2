import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { EditModalMetadata } from '../src/slack/view-metadata.js';
import { SUBJECT_MAX } from '../src/tickets/intake.js';
import type { Ticket } from '../src/tickets/types.js';
import type { Group } from '../src/workspace/schema.js';
import { callbackIds, editFields } from './ids.js';
import { groupOption } from './new-ticket-modal.js';
import { clip, escapeMrkdwn, mrkdwn, PRIORITY_BADGE, plain } from './text.js';

export type { EditModalMetadata };

const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

/** Every field a person may correct, filled in with what the ticket says now. */
export function editModal(ticket: Ticket, groups: readonly Group[]): ModalView {
  const priorities: PlainTextOption[] = PRIORITIES.map((priority) => ({
    text: plain(PRIORITY_BADGE[priority].replace(/^:[a-z_]+: /, ''), 75),
    value: priority,
  }));
  const groupOptions = groups.slice(0, 100).map(groupOption);
  const blocks: KnownBlock[] = [
    { type: 'context', elements: [mrkdwn(`*#${ticket.number}* ${escapeMrkdwn(clip(ticket.subject, 150))}`)] },
    {
      type: 'input',
      block_id: editFields.subject,
      label: plain('Subject'),
      element: {
        type: 'plain_text_input',
        action_id: editFields.subject,
        max_length: SUBJECT_MAX,
        initial_value: clip(ticket.subject, SUBJECT_MAX),
      },
    },
    {
      type: 'input',
      block_id: editFields.priority,
      label: plain('Priority'),
      element: {
        type: 'static_select',
        action_id: editFields.priority,
        options: priorities,
        initial_option: priorities.find((option) => option.value === ticket.priority)!,
      },
    },
    {
      type: 'input',
      block_id: editFields.tags,
      label: plain('Tags'),
      optional: true,
      hint: plain('Words separated by spaces or commas: letters, digits and - _ . + / (at most 40 characters each).'),
      element: {
        type: 'plain_text_input',
        action_id: editFields.tags,
        max_length: 900,
        placeholder: plain('refund, vip'),
        ...(ticket.tags?.length ? { initial_value: ticket.tags.join(', ') } : {}),
      },
    },
  ];
  if (ticket.requester.kind === 'email') {
    blocks.push(
      {
        type: 'input',
        block_id: editFields.requesterName,
        label: plain('Requester’s name'),
        element: {
          type: 'plain_text_input',
          action_id: editFields.requesterName,
          max_length: 120,
          initial_value: clip(ticket.requester.name, 120),
        },
      },
      {
        type: 'input',
        block_id: editFields.requesterEmail,
        label: plain('Requester’s email'),
        hint: plain('Replies go to this address from now on; the old one is kept in the ticket’s history.'),
        element: {
          type: 'email_text_input',
          action_id: editFields.requesterEmail,
          initial_value: ticket.requester.email,
        },
      },
    );
  }
  const current = groupOptions.find((option) => option.value === String(ticket.groupId));
  blocks.push(
    {
      type: 'input',
      block_id: editFields.group,
      label: plain('Group'),
      hint: plain('Another group is an escalation: the ticket goes there unassigned and open.'),
      element: {
        type: 'static_select',
        action_id: editFields.group,
        options: groupOptions,
        ...(current ? { initial_option: current } : {}),
      },
    },
    {
      type: 'input',
      block_id: editFields.note,
      label: plain('Note for the other team'),
      optional: true,
      hint: plain('Needed only when the group changes: what the issue is and what was tried. Only agents see it.'),
      element: { type: 'plain_text_input', action_id: editFields.note, multiline: true, max_length: 3000 },
    },
  );
  const metadata: EditModalMetadata = { number: ticket.number, version: ticket.version };
  return {
    type: 'modal',
    callback_id: callbackIds.edit,
    title: plain(`Edit #${ticket.number}`, 24),
    submit: plain('Save', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}
