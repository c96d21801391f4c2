import type { App, ViewStateValue } from '@slack/bolt';
import { z } from 'zod';
import { callbackIds, newTicketFields } from '../../blocks/ids.js';
import { openTicket, newTicketSchema } from '../tickets/intake.js';
import type { TicketSource } from '../tickets/types.js';
import { tellUser } from './shortcuts.js';
import type { SlackDeps } from './context.js';
import { safely, ticketCreated } from './notify.js';

type StateValues = Record<string, Record<string, ViewStateValue>>;

/** A modal's answer for one input block: block id and action id are the same by convention. */
export function field(values: StateValues, id: string): ViewStateValue | undefined {
  return values[id]?.[id];
}

/**
 * A submitted view's answers, read defensively: Slack sends `state: {}` (no `values`) for a view
 * without inputs, and a payload may lack what a listener expects; either reads as "nothing answered".
 */
export function stateValues(view: { state?: { values?: unknown } } | undefined): StateValues {
  const values = view?.state?.values;
  return typeof values === 'object' && values !== null ? (values as StateValues) : {};
}

/** The modal's answers, checked by the same rules as every other door a ticket comes in by. */
function readNewTicket(values: StateValues) {
  const requester = field(values, newTicketFields.requester)?.selected_user;
  return newTicketSchema.safeParse({
    subject: field(values, newTicketFields.subject)?.value ?? '',
    description: field(values, newTicketFields.description)?.value ?? '',
    requester: requester ? { kind: 'slack', userId: requester } : undefined,
    groupId: Number(field(values, newTicketFields.group)?.selected_option?.value),
    priority: field(values, newTicketFields.priority)?.selected_option?.value ?? 'normal',
  });
}

const BLOCK_OF_PATH: Record<string, string> = {
  subject: newTicketFields.subject,
  description: newTicketFields.description,
  requester: newTicketFields.requester,
  groupId: newTicketFields.group,
  priority: newTicketFields.priority,
};

/** Errors shown on the modal's own fields (response_action: errors); nothing is saved. */
export function fieldErrors(issues: readonly z.core.$ZodIssue[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const block = BLOCK_OF_PATH[String(issue.path[0])] ?? newTicketFields.subject;
    errors[block] ??= issue.message.charAt(0).toUpperCase() + issue.message.slice(1);
  }
  return errors;
}

const originSchema = z.object({ channelId: z.string().regex(/^[CGD][A-Z0-9]+$/), messageTs: z.string().regex(/^\d+\.\d+$/) });

export function registerViews(app: App, deps: SlackDeps): void {
  for (const callbackId of [callbackIds.newTicket, callbackIds.createFromMessage]) {
    app.view(callbackId, async ({ ack, body, view, client }) => {
      const parsed = readNewTicket(stateValues(view));
      if (!parsed.success) {
        await ack({ response_action: 'errors', errors: fieldErrors(parsed.error.issues) });
        return;
      }
      await ack();
      const filer = body.user.id;
      const source: TicketSource = { kind: 'modal', filedBy: filer };
      if (callbackId === callbackIds.createFromMessage) {
        const origin = originSchema.safeParse(safeJson(view.private_metadata));
        if (origin.success) {
          source.kind = 'message-shortcut';
          source.channelId = origin.data.channelId;
          source.messageTs = origin.data.messageTs;
          await safely(deps.log, 'permalink', async () => {
            const link = await client.chat.getPermalink({ channel: origin.data.channelId, message_ts: origin.data.messageTs });
            if (link.permalink) source.permalink = link.permalink;
          });
        }
      }
      const result = await openTicket(deps.desk, parsed.data, { actor: { kind: 'agent', id: filer }, channel: 'slack', source });
      if (!result.ok) return tellUser(client, deps, filer, result.reason);
      await ticketCreated(client, deps.desk, deps.log, result.ticket, filer);
    });
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}
