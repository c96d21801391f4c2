import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { ViewMetadata } from '../src/slack/view-metadata.js';
import type { Ticket } from '../src/tickets/types.js';
import type { Group } from '../src/workspace/schema.js';
import { actionIds, callbackIds, escalationFields, linkFields, macroSaveFields, mergeFields } from './ids.js';
import { groupOption } from './new-ticket-modal.js';
import { clip, escapeMrkdwn, mrkdwn, plain, requesterText, STATUS_BADGE } from './text.js';

function ticketSummary(ticket: Ticket, label: string): KnownBlock {
  return {
    type: 'section',
    text: mrkdwn(
      `*${label}: #${ticket.number}* ${escapeMrkdwn(clip(ticket.subject, 150))}\n${STATUS_BADGE[ticket.status]} · ${requesterText(ticket)}${ticket.assignee ? ` · <@${ticket.assignee}>` : ''}` +
        (ticket.description ? `\n>${escapeMrkdwn(clip(ticket.description.replace(/\n/g, ' '), 300))}` : ''),
    ),
  };
}

/** From the card: which ticket to merge this one into. */
export function mergePickModal(source: Ticket): ModalView {
  return {
    type: 'modal',
    callback_id: callbackIds.mergePick,
    title: plain(`Merge #${source.number}`, 24),
    submit: plain('Next', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({ sources: [source.number] } satisfies ViewMetadata<'mergePick'>),
    blocks: [
      ticketSummary(source, 'Merge'),
      {
        type: 'input',
        block_id: mergeFields.target,
        label: plain('Into ticket number'),
        element: {
          type: 'plain_text_input',
          action_id: mergeFields.target,
          max_length: 12,
          placeholder: plain('#1002'),
        },
      },
    ],
  };
}

/** Both sides, before anything changes: the sources are closed and their comments copied into the target. */
export function mergeConfirmModal(sources: readonly Ticket[], target: Ticket): ModalView {
  return {
    type: 'modal',
    callback_id: callbackIds.mergeConfirm,
    title: plain('Confirm merge', 24),
    submit: plain('Merge', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({
      sources: sources.map((s) => s.number),
      target: target.number,
    } satisfies ViewMetadata<'mergeConfirm'>),
    blocks: [
      ...sources.slice(0, 10).map((source) => ticketSummary(source, 'Merge')),
      ticketSummary(target, 'Into'),
      {
        type: 'context',
        elements: [
          mrkdwn(
            `Every comment of ${sources.map((s) => `#${s.number}`).join(', ')} is copied into #${target.number} as an internal note; ` +
              `the requester is told where the request now lives, and ${sources.length > 1 ? 'each source is' : 'the source is'} closed as merged.`,
          ),
        ],
      },
    ],
  };
}

export function escalationModal(ticket: Ticket, groups: readonly Group[]): ModalView {
  return {
    type: 'modal',
    callback_id: callbackIds.escalate,
    title: plain(`Escalate #${ticket.number}`, 24),
    submit: plain('Escalate', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({ number: ticket.number } satisfies ViewMetadata<'ticket'>),
    blocks: [
      ticketSummary(ticket, 'Escalate'),
      {
        type: 'input',
        block_id: escalationFields.group,
        label: plain('To group'),
        element: {
          type: 'static_select',
          action_id: escalationFields.group,
          placeholder: plain('Group (id)'),
          options: groups.slice(0, 100).map(groupOption),
        },
      },
      {
        type: 'input',
        block_id: escalationFields.note,
        label: plain('Internal note for that team'),
        hint: plain('What the issue is and what was tried. Only agents see it.'),
        element: { type: 'plain_text_input', action_id: escalationFields.note, multiline: true, max_length: 3000 },
      },
    ],
  };
}

/** Posted in the receiving group's alert channel. */
export function escalationAlert(ticket: Ticket, from: string, to: string, by: string, note: string): KnownBlock[] {
  return [
    {
      type: 'section',
      text: mrkdwn(
        `:arrow_heading_up: *Escalated #${ticket.number}* from ${escapeMrkdwn(from)} to ${escapeMrkdwn(to)} by <@${by}>\n*${escapeMrkdwn(clip(ticket.subject, 150))}* · ${requesterText(ticket)} · ${ticket.priority}` +
          (ticket.description ? `\n${escapeMrkdwn(clip(ticket.description, 500))}` : ''),
      ),
    },
    { type: 'section', text: mrkdwn(`:lock: *Note:* ${escapeMrkdwn(clip(note, 2500))}`) },
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: actionIds.take,
          text: plain('Take it'),
          value: String(ticket.number),
          style: 'primary',
        },
      ],
    },
  ];
}

/** Empty for `/ticket macro save`; with the macro's text and kind for `/ticket macro edit` (saving under the same name replaces it). */
export function macroSaveModal(name: string, current?: { text: string; public: boolean }): ModalView {
  const kinds: PlainTextOption[] = [
    { text: plain('Internal note'), value: 'internal' },
    { text: plain('Public reply'), value: 'public' },
  ];
  return {
    type: 'modal',
    callback_id: callbackIds.macroSave,
    title: plain(current ? 'Edit my macro' : 'Save my macro', 24),
    submit: plain('Save', 24),
    close: plain('Cancel', 24),
    blocks: [
      {
        type: 'input',
        block_id: macroSaveFields.name,
        label: plain('Name'),
        element: {
          type: 'plain_text_input',
          action_id: macroSaveFields.name,
          max_length: 80,
          ...(name ? { initial_value: clip(name, 80) } : {}),
        },
      },
      {
        type: 'input',
        block_id: macroSaveFields.text,
        label: plain('Text'),
        element: {
          type: 'plain_text_input',
          action_id: macroSaveFields.text,
          multiline: true,
          max_length: 3000,
          ...(current ? { initial_value: clip(current.text, 3000) } : {}),
        },
      },
      {
        type: 'input',
        block_id: macroSaveFields.kind,
        label: plain('Writes'),
        element: {
          type: 'radio_buttons',
          action_id: macroSaveFields.kind,
          options: kinds,
          initial_option: kinds[current?.public ? 1 : 0]!,
        },
      },
    ],
  };
}

/** From the card: which problem this ticket is an incident of. */
export function linkIncidentModal(incident: Ticket): ModalView {
  return {
    type: 'modal',
    callback_id: callbackIds.linkIncident,
    title: plain(`Link #${incident.number}`, 24),
    submit: plain('Link', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({ number: incident.number } satisfies ViewMetadata<'ticket'>),
    blocks: [
      ticketSummary(incident, 'Incident'),
      {
        type: 'input',
        block_id: linkFields.problem,
        label: plain('Problem ticket number'),
        hint: plain('It becomes a problem if it is not one yet; solving it solves this ticket too.'),
        element: {
          type: 'plain_text_input',
          action_id: linkFields.problem,
          max_length: 12,
          placeholder: plain('#1003'),
        },
      },
    ],
  };
}
