import type { App, ViewSubmitAction } from '@slack/bolt';
import type { z } from 'zod';
import { chatEmailModal, chatEmailSending, chatEmailSent } from '../../../blocks/chat-desk.js';
import {
  callbackIds,
  chatEmailFields,
  chatNoteFields,
  escalationFields,
  linkFields,
  macroSaveFields,
  mergeFields,
  newTicketFields,
  satisfactionFields,
  transferFields,
} from '../../../blocks/ids.js';
import { clip } from '../../../blocks/text.js';
import { mergeConfirmModal } from '../../../blocks/ticket-work-modals.js';
import { note, noteRefusal } from '../../chats/relay.js';
import { requestTransfer } from '../../chats/transfers.js';
import type { TransferTarget } from '../../chats/types.js';
import { escalateTicket } from '../../tickets/escalation.js';
import { fileLimits } from '../../tickets/files.js';
import { newTicketSchema, openTicket } from '../../tickets/intake.js';
import { savePersonalMacro } from '../../tickets/macros.js';
import { mergeTickets, planMerge } from '../../tickets/merge.js';
import { parseTicketNumber } from '../../tickets/permissions.js';
import { linkIncident } from '../../tickets/problems.js';
import { type Refusal, refuse, transferTargetText } from '../../tickets/refusals.js';
import { replyToTicket } from '../../tickets/reply.js';
import { rateSolve } from '../../tickets/satisfaction.js';
import type { TicketSource } from '../../tickets/types.js';
import { sendChatEmail } from '../profiles.js';
import { answersOf, currentReply, field, replyErrors, type StateValues } from '../screens.js';
import { downloadSlackFiles, refusedFilesText } from '../shared-files.js';
import { viewMetadata } from '../view-metadata.js';
import { refusalPlainText, refusalText, slackWords } from '../words.js';
import { askerOfSubmit, type ListenerDeps, queueChoiceFor, type SubmitArgs } from './answers.js';

/** The values a modal sent back; `{}` (or nothing at all) reads as every field left empty. */
function valuesOf(view: SubmitArgs['view']): StateValues {
  const values = (view.state as { values?: unknown } | undefined)?.values;
  return typeof values === 'object' && values !== null ? (values as StateValues) : {};
}

function numberIn(text: string | undefined): number | null {
  const parsed = parseTicketNumber(text);
  return parsed.ok ? parsed.number : null;
}

/** A refusal shown on one field of the modal (Slack shows field errors as plain text). */
async function fieldError(
  deps: ListenerDeps,
  ack: SubmitArgs['ack'],
  blockId: string,
  refusal: Refusal,
): Promise<void> {
  await ack({ response_action: 'errors', errors: { [blockId]: clip(refusalPlainText(deps.desk, refusal), 2000) } });
}

// ── A new ticket ───────────────────────────────────────────────────────────────────────────────

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

async function newTicketSubmitted(deps: ListenerDeps, args: SubmitArgs, fromMessage: boolean): Promise<void> {
  const { ack, body, view, client } = args;
  const parsed = readNewTicket(valuesOf(view));
  if (!parsed.success) return ack({ response_action: 'errors', errors: fieldErrors(parsed.error.issues) });
  await ack();
  const filer = body.user.id;
  const source: TicketSource = { kind: 'modal', filedBy: filer };
  const origin = fromMessage ? viewMetadata(view, 'messageOrigin') : null;
  if (origin) {
    source.kind = 'message-shortcut';
    source.channelId = origin.channelId;
    source.messageTs = origin.messageTs;
    try {
      const link = await client.chat.getPermalink({ channel: origin.channelId, message_ts: origin.messageTs });
      if (link.permalink) source.permalink = link.permalink;
    } catch (error) {
      deps.log('slack: permalink failed', error);
    }
  }
  const result = await openTicket(deps.desk, parsed.data, {
    actor: { kind: 'agent', id: filer },
    channel: 'slack',
    source,
  });
  if (!result.ok) await askerOfSubmit(deps, args).refuse(result);
}

// ── Working a ticket ───────────────────────────────────────────────────────────────────────────

/** Decided before the ack: a refusal (a missing form field, a changed ticket) must show on the modal. */
async function replySubmitted(deps: ListenerDeps, { ack, body, view, client }: SubmitArgs): Promise<void> {
  const agentId = body.user.id;
  const metadata = viewMetadata(view, 'reply');
  if (!metadata)
    return ack({ response_action: 'errors', errors: replyErrors(deps.desk, view, 'text', refuse('form_unreadable')) });
  const current = currentReply(deps.desk.directory.workspace, answersOf(valuesOf(view)));
  if (current.saveAs) {
    const saved = await savePersonalMacro(deps.desk, agentId, {
      name: current.saveAs,
      text: current.text,
      public: current.kind === 'public',
    });
    if (!saved.ok)
      return ack({ response_action: 'errors', errors: replyErrors(deps.desk, view, 'saveAsMacro', saved) });
  }
  // The picked files' bytes are read from Slack before the reply is written, so its delivery carries them.
  const files =
    current.files.length > 0
      ? await downloadSlackFiles(client.token ?? '', current.files, fileLimits(deps.desk).maxFileBytes)
      : [];
  const result = await replyToTicket(
    deps.desk,
    {
      number: metadata.number,
      agent: agentId,
      text: current.text,
      kind: current.kind,
      status: current.status,
      form: current.form,
      seenVersion: metadata.version,
    },
    files,
  );
  if (!result.ok) return ack({ response_action: 'errors', errors: replyErrors(deps.desk, view, result.field, result) });
  await ack();
  if (result.files.refused.length > 0) {
    await client.chat
      .postMessage({
        channel: agentId,
        text: `Your reply on #${result.ticket.number} was saved, but not all its files:\n${refusedFilesText(deps.desk, result.files.refused)}`,
      })
      .catch((error: unknown) => deps.log('slack: telling the agent of refused files failed', error));
  }
}

async function mergePicked(deps: ListenerDeps, { ack, body, view }: SubmitArgs): Promise<void> {
  const picked = viewMetadata(view, 'mergePick');
  if (!picked) return fieldError(deps, ack, mergeFields.target, refuse('form_unreadable'));
  const target = parseTicketNumber(answersOf(valuesOf(view))[mergeFields.target]?.value ?? '');
  if (!target.ok) return fieldError(deps, ack, mergeFields.target, target);
  const plan = await planMerge(deps.desk, { sources: picked.sources, target: target.number, agent: body.user.id });
  if (!plan.ok) return fieldError(deps, ack, mergeFields.target, plan);
  await ack({ response_action: 'update', view: mergeConfirmModal(plan.sources, plan.target) });
}

async function mergeConfirmed(deps: ListenerDeps, args: SubmitArgs): Promise<void> {
  await args.ack();
  const metadata = viewMetadata(args.view, 'mergeConfirm');
  const asker = askerOfSubmit(deps, args);
  if (!metadata) return asker.say(`Nothing was merged: ${refusalText(deps.desk, refuse('form_unreadable'))}`);
  const result = await mergeTickets(deps.desk, {
    sources: metadata.sources,
    target: metadata.target,
    agent: args.body.user.id,
  });
  if (!result.ok) return asker.say(`Nothing was merged: ${refusalText(deps.desk, result)}`);
  await asker.say(`Merged ${result.merged.map((t) => `#${t.number}`).join(', ')} into #${result.target.number}.`);
}

async function escalationSubmitted(deps: ListenerDeps, { ack, body, view }: SubmitArgs): Promise<void> {
  const answers = answersOf(valuesOf(view));
  const escalated = viewMetadata(view, 'ticket');
  if (!escalated) return fieldError(deps, ack, escalationFields.note, refuse('form_unreadable'));
  const result = await escalateTicket(deps.desk, {
    number: escalated.number,
    agent: body.user.id,
    groupId: Number(answers[escalationFields.group]?.selected_option?.value ?? 0),
    note: answers[escalationFields.note]?.value ?? '',
  });
  if (!result.ok)
    return fieldError(deps, ack, result.field === 'group' ? escalationFields.group : escalationFields.note, result);
  await ack();
}

async function incidentLinked(deps: ListenerDeps, { ack, body, view }: SubmitArgs): Promise<void> {
  const problem = parseTicketNumber(answersOf(valuesOf(view))[linkFields.problem]?.value ?? '');
  if (!problem.ok) return fieldError(deps, ack, linkFields.problem, problem);
  const incident = viewMetadata(view, 'ticket');
  if (!incident) return fieldError(deps, ack, linkFields.problem, refuse('form_unreadable'));
  const result = await linkIncident(deps.desk, {
    incident: incident.number,
    problem: problem.number,
    agent: body.user.id,
  });
  if (!result.ok) return fieldError(deps, ack, linkFields.problem, result);
  await ack();
}

async function macroSaved(deps: ListenerDeps, { ack, body, view }: SubmitArgs): Promise<void> {
  const answers = answersOf(valuesOf(view));
  const saved = await savePersonalMacro(deps.desk, body.user.id, {
    name: answers[macroSaveFields.name]?.value ?? '',
    text: answers[macroSaveFields.text]?.value ?? '',
    public: answers[macroSaveFields.kind]?.selected_option?.value === 'public',
  });
  if (!saved.ok)
    return fieldError(deps, ack, saved.field === 'text' ? macroSaveFields.text : macroSaveFields.name, saved);
  await ack();
}

// ── Chats ──────────────────────────────────────────────────────────────────────────────────────

async function transferSubmitted(deps: ListenerDeps, args: SubmitArgs): Promise<void> {
  const { ack, body, view } = args;
  const number = numberIn(view.private_metadata);
  const choice = field(valuesOf(view), transferFields.target)?.selected_option?.value ?? '';
  const [kind, id] = choice.split(':');
  if (number === null || !id || !['agent', 'lead', 'group'].includes(kind ?? '')) {
    return fieldError(deps, ack, transferFields.target, refuse('transfer_target_unpicked'));
  }
  // Decided before the ack, so a refusal (offline, nobody available) shows on the modal's own field.
  const result = await requestTransfer(deps.desk, {
    ticketNumber: number,
    from: body.user.id,
    to: { kind, id } as TransferTarget,
  });
  if (!result.ok) {
    const queue = queueChoiceFor(deps.desk, number, result);
    if (!queue) return fieldError(deps, ack, transferFields.target, result);
    // The modal cannot carry the choice's buttons: it closes, and the choice comes as a DM.
    await ack();
    return askerOfSubmit(deps, args).say(refusalText(deps.desk, result), queue);
  }
  await ack();
  await askerOfSubmit(deps, args).say(
    `Asked ${transferTargetText(result.transfer.to, slackWords(deps.desk.directory))} to take chat #${number}. It stays with you until they accept.`,
  );
}

async function chatNoteSubmitted(deps: ListenerDeps, { ack, body, view }: SubmitArgs): Promise<void> {
  const number = numberIn(view.private_metadata);
  const text = (field(valuesOf(view), chatNoteFields.text)?.value ?? '').trim();
  if (!text) return fieldError(deps, ack, chatNoteFields.text, refuse('note_empty'));
  if (!deps.desk.directory.agent(body.user.id))
    return fieldError(deps, ack, chatNoteFields.text, refuse('agents_only', { action: 'add chat notes' }));
  const chat = number === null ? null : await deps.desk.store.chats.get(number);
  const refused = chat ? noteRefusal(deps.desk, chat, body.user.id) : null;
  if (refused) return fieldError(deps, ack, chatNoteFields.text, refused);
  await ack();
  if (chat) await note(deps.desk, chat, body.user.id, text, null, 'shortcut');
}

async function chatEmailSubmitted(deps: ListenerDeps, { ack, body, view, client }: SubmitArgs): Promise<void> {
  const number = numberIn(view.private_metadata);
  const text = field(valuesOf(view), chatEmailFields.text)?.value ?? '';
  if (number === null) return ack();
  if (!text.trim()) return fieldError(deps, ack, chatEmailFields.text, refuse('email_empty'));
  // The address comes from Slack (users.info), a round trip that must not stand before the ack: the
  // modal says it is sending, then shows what happened; a refusal reopens the form with the words kept.
  await ack({ response_action: 'update', view: chatEmailSending(number) });
  const result = await sendChatEmail(deps.desk, client, number, body.user.id, text);
  const outcome = result.ok
    ? chatEmailSent(number, result.to.email)
    : chatEmailModal(number, { text, reason: refusalText(deps.desk, result) });
  await client.views
    .update({ view_id: view.id, view: outcome })
    .catch((error: unknown) => deps.log('slack: chat email outcome failed', error));
}

// ── Surveys ────────────────────────────────────────────────────────────────────────────────────

async function surveyCommented(deps: ListenerDeps, { ack, body, view }: SubmitArgs): Promise<void> {
  await ack();
  const ref = viewMetadata(view, 'surveyComment');
  const comment = field(valuesOf(view), satisfactionFields.comment)?.value ?? '';
  if (!ref || !comment.trim()) return;
  const ticket = await deps.desk.store.tickets.get(ref.number);
  if (ticket?.requester.kind !== 'slack' || ticket.requester.userId !== body.user.id) return;
  await rateSolve(deps.desk, {
    number: ref.number,
    solve: ref.solve,
    rating: ref.rating,
    comment,
    actor: { kind: 'requester', id: body.user.id },
  });
}

/** Every modal submission, registered explicitly by callback id. */
export function registerViews(app: App, deps: ListenerDeps): void {
  const submitted = (callbackId: string, handler: (args: SubmitArgs) => Promise<void>) =>
    app.view<ViewSubmitAction>(callbackId, handler);
  submitted(callbackIds.newTicket, (args) => newTicketSubmitted(deps, args, false));
  submitted(callbackIds.createFromMessage, (args) => newTicketSubmitted(deps, args, true));
  submitted(callbackIds.reply, (args) => replySubmitted(deps, args));
  submitted(callbackIds.mergePick, (args) => mergePicked(deps, args));
  submitted(callbackIds.mergeConfirm, (args) => mergeConfirmed(deps, args));
  submitted(callbackIds.escalate, (args) => escalationSubmitted(deps, args));
  submitted(callbackIds.linkIncident, (args) => incidentLinked(deps, args));
  submitted(callbackIds.macroSave, (args) => macroSaved(deps, args));
  submitted(callbackIds.transferChat, (args) => transferSubmitted(deps, args));
  submitted(callbackIds.chatNote, (args) => chatNoteSubmitted(deps, args));
  submitted(callbackIds.chatEmail, (args) => chatEmailSubmitted(deps, args));
  submitted(callbackIds.satisfactionComment, (args) => surveyCommented(deps, args));
}
