import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { ViewMetadata } from '../src/slack/view-metadata.js';
import { DESCRIPTION_MAX, SUBJECT_MAX } from '../src/tickets/intake.js';
import type { Group } from '../src/workspace/schema.js';
import { callbackIds, newTicketFields } from './ids.js';
import { clip, plain } from './text.js';

export interface NewTicketModalData {
  groups: readonly Group[];
  subject?: string;
  description?: string;
  requesterId?: string;
  /** Filled when the ticket is filed from a message: where it came from. */
  origin?: ViewMetadata<'messageOrigin'>;
}

export function groupOption(group: Group): PlainTextOption {
  // The numeric id beside the name, so two similar names are not confused.
  return { text: plain(`${group.name} (${group.id})`, 75), value: String(group.id) };
}

const priorities = ['low', 'normal', 'high', 'urgent'] as const;

export function newTicketModal(data: NewTicketModalData): ModalView {
  const groupOptions = data.groups.slice(0, 100).map(groupOption);
  const blocks: KnownBlock[] = [
    {
      type: 'input',
      block_id: newTicketFields.requester,
      label: plain('Requester'),
      element: {
        type: 'users_select',
        action_id: newTicketFields.requester,
        ...(data.requesterId ? { initial_user: data.requesterId } : {}),
      },
    },
    {
      type: 'input',
      block_id: newTicketFields.subject,
      label: plain('Subject'),
      element: {
        type: 'plain_text_input',
        action_id: newTicketFields.subject,
        max_length: SUBJECT_MAX,
        ...(data.subject ? { initial_value: clip(data.subject, SUBJECT_MAX) } : {}),
      },
    },
    {
      type: 'input',
      block_id: newTicketFields.description,
      label: plain('Description'),
      optional: true,
      element: {
        type: 'plain_text_input',
        action_id: newTicketFields.description,
        multiline: true,
        max_length: Math.min(DESCRIPTION_MAX, 3000),
        ...(data.description ? { initial_value: clip(data.description, 3000) } : {}),
      },
    },
    {
      type: 'input',
      block_id: newTicketFields.group,
      label: plain('Group'),
      element: {
        type: 'static_select',
        action_id: newTicketFields.group,
        options: groupOptions,
        ...(groupOptions.length === 1 ? { initial_option: groupOptions[0] } : {}),
      },
    },
    {
      type: 'input',
      block_id: newTicketFields.priority,
      label: plain('Priority'),
      element: {
        type: 'static_select',
        action_id: newTicketFields.priority,
        options: priorities.map((priority) => ({
          text: plain(priority[0]!.toUpperCase() + priority.slice(1)),
          value: priority,
        })),
        initial_option: { text: plain('Normal'), value: 'normal' },
      },
    },
  ];
  return {
    type: 'modal',
    callback_id: data.origin ? callbackIds.createFromMessage : callbackIds.newTicket,
    title: plain('New ticket', 24),
    submit: plain('Create', 24),
    close: plain('Cancel', 24),
    private_metadata: data.origin ? JSON.stringify(data.origin) : '',
    blocks,
  };
}
