import type { BlockAction, ViewOutput, ViewStateValue } from '@slack/bolt';
import type { KnownBlock, ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { conversationModal } from '../../blocks/conversation.js';
import { replyFields } from '../../blocks/ids.js';
import { inputBlockId, type ReplyModalData, replyModal } from '../../blocks/reply-modal.js';
import { mrkdwn } from '../../blocks/text.js';
import { ticketCard } from '../../blocks/ticket-card.js';
import { ticketConversation } from '../tickets/conversation.js';
import type { Desk } from '../tickets/desk.js';
import { chosenName } from '../tickets/form.js';
import type { Refusal } from '../tickets/refusals.js';
import { AGENT_STATUSES, type AgentStatus } from '../tickets/reply.js';
import { type ReplyPreset, replyChoices, startReply } from '../tickets/reply-form.js';
import type { TakeResult } from '../tickets/take.js';
import type { TicketForm } from '../tickets/types.js';
import type { CardView } from '../tickets/views.js';
import type { Workspace } from '../workspace/schema.js';
import type { Asker } from './answer.js';
import { viewMetadata } from './view-metadata.js';
import { refusalPlainText } from './words.js';

/** What listeners show the person who asked: the working card, the reply form, and reading what a modal sent back. */

export type StateValues = Record<string, Record<string, ViewStateValue>>;

/** A modal's answer for one input block: block id and action id are the same by convention. */
export function field(values: StateValues | undefined, id: string): ViewStateValue | undefined {
  return values?.[id]?.[id];
}

/** Answers by action id, whatever revision of the block they came from (see replyFields). */
export function answersOf(values: StateValues | undefined): Record<string, ViewStateValue> {
  const answers: Record<string, ViewStateValue> = {};
  for (const block of Object.values(values ?? {})) Object.assign(answers, block);
  return answers;
}

export function cardBlocks(desk: Desk, view: CardView): KnownBlock[] {
  return ticketCard({ ...view, now: desk.clock() }, view.moves);
}

/** "You took #N" (or "already yours"), a word on possible duplicates, and the card to work it from. */
export async function takenBlocks(desk: Desk, result: TakeResult, card: CardView | Refusal): Promise<KnownBlock[]> {
  const headline = result.alreadyYours
    ? `#${result.ticket.number} is already yours.`
    : `You took #${result.ticket.number}.`;
  const warning =
    result.possibleDuplicates.length > 0
      ? ` :warning: This requester has ${result.possibleDuplicates.length} other unsolved ticket(s): ${result.possibleDuplicates
          .slice(0, 5)
          .map((other) => `#${other.number}`)
          .join(', ')} — check for duplicates.`
      : '';
  return [{ type: 'section', text: mrkdwn(`${headline}${warning}`) }, ...(card.ok ? cardBlocks(desk, card) : [])];
}

/**
 * The Conversation: opened where the person is (pushed on a modal, else on its own), or moved in
 * place when it is the view they paged from. A refusal goes back to the asker.
 */
export async function showConversation(
  desk: Desk,
  client: WebClient,
  where: { triggerId: string; inModal: boolean; openView: string | null },
  viewerId: string,
  number: number,
  wanted: { page: number; part: number },
  asker: Asker,
): Promise<void> {
  const found = await ticketConversation(desk, number, viewerId, wanted.page);
  if (!found.ok) return asker.refuse(found);
  const view = conversationModal({
    ...found,
    part: found.page === wanted.page ? wanted.part : -1,
    timeZone: desk.settings.timeZone,
  });
  if (where.openView) await client.views.update({ view_id: where.openView, view });
  else await showModal(client, where, view);
}

// ── The reply form ─────────────────────────────────────────────────────────────────────────────

/**
 * Opens a modal where the person is: on top of the modal they clicked in (Slack wants views.push there:
 * a working card opened from the App Home is itself a modal), or on its own.
 */
export async function showModal(
  client: WebClient,
  trigger: { triggerId: string; inModal: boolean },
  view: ModalView,
): Promise<void> {
  if (trigger.inModal) await client.views.push({ trigger_id: trigger.triggerId, view });
  else await client.views.open({ trigger_id: trigger.triggerId, view });
}

/** Opens the reply form on a ticket the agent may work; a refusal is returned for the caller to tell. */
export async function openReplyModal(
  desk: Desk,
  client: WebClient,
  trigger: string | { triggerId: string; inModal: boolean },
  agentId: string,
  number: number,
  preset: ReplyPreset,
): Promise<Refusal | null> {
  const start = await startReply(desk, agentId, number, preset);
  if (!start.ok) return start;
  await showModal(
    client,
    typeof trigger === 'string' ? { triggerId: trigger, inModal: false } : trigger,
    replyModal({ ...start, text: '', revision: 1 }),
  );
  return null;
}

/**
 * What the form shows now, as the agent left it: the start of every update and of the submission.
 * The pickers carry keys (choiceKey), read back into the workspace's names.
 */
export function currentReply(workspace: Workspace, answers: Record<string, ViewStateValue>) {
  const form: TicketForm = {};
  const rootCause = chosenName(workspace, 'rootCause', answers[replyFields.rootCause]?.selected_option?.value);
  const category = chosenName(workspace, 'category', answers[replyFields.category]?.selected_option?.value);
  const subcategory = chosenName(workspace, 'subcategory', answers[replyFields.subcategory]?.selected_option?.value);
  if (rootCause) form.rootCause = rootCause;
  if (category) form.category = category;
  if (subcategory) form.subcategory = subcategory;
  const kind: 'public' | 'internal' =
    answers[replyFields.kind]?.selected_option?.value === 'public' ? 'public' : 'internal';
  const status = answers[replyFields.status]?.selected_option?.value;
  return {
    kind,
    text: answers[replyFields.text]?.value ?? '',
    status: (AGENT_STATUSES as readonly string[]).includes(status ?? '') ? (status as AgentStatus) : 'open',
    form,
    saveAs: answers[replyFields.saveAsMacro]?.value?.trim() ?? '',
    files: ((answers[replyFields.files] as { files?: unknown } | undefined)?.files ?? []) as SlackInputFile[],
  };
}

export type CurrentReply = ReturnType<typeof currentReply>;

/** A file picked in a file_input, as the view submission describes it. */
export interface SlackInputFile {
  id: string;
  name?: string;
  title?: string;
  mimetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
}

/**
 * Rebuilds the open form after a choice (a macro, a category, an article) with the agent's answers
 * kept. The version the agent first saw stays the precondition: what they read is what they answer.
 */
export async function updateReplyModal(
  desk: Desk,
  client: WebClient,
  agentId: string,
  view: BlockAction['view'],
  change: (current: CurrentReply, ticket: ReplyModalData['ticket']) => Partial<ReplyModalData>,
): Promise<void> {
  if (!view) return;
  const metadata = viewMetadata(view, 'reply');
  const ticket = metadata ? await desk.store.tickets.get(metadata.number) : null;
  if (!metadata || !ticket) return;
  const current = currentReply(desk.directory.workspace, answersOf(view.state?.values as StateValues | undefined));
  const data: ReplyModalData = {
    ...(await replyChoices(desk, ticket, agentId)),
    kind: current.kind,
    text: current.text,
    status: current.status,
    form: current.form,
    revision: metadata.revision + 1,
    ...change(current, ticket),
  };
  data.version = metadata.version;
  // A hash conflict means the modal changed meanwhile (another click): that newer state wins.
  await client.views.update({ view_id: view.id, hash: view.hash, view: replyModal(data) });
}

/** A refusal shown on the field it is about, in whichever revision of that block the form shows now. */
export function replyErrors(
  desk: Desk,
  view: ViewOutput,
  fieldName: string | undefined,
  refusal: Refusal,
): Record<string, string> {
  const revision = viewMetadata(view, 'reply')?.revision ?? 1;
  const wanted =
    {
      text: replyFields.text,
      status: replyFields.status,
      rootCause: replyFields.rootCause,
      category: replyFields.category,
      subcategory: replyFields.subcategory,
      saveAsMacro: replyFields.saveAsMacro,
    }[fieldName ?? 'text'] ?? replyFields.text;
  const blockIds = new Set(view.blocks.map((block) => (block as { block_id?: string }).block_id));
  const blockId = blockIds.has(inputBlockId(wanted, revision))
    ? inputBlockId(wanted, revision)
    : inputBlockId(replyFields.text, revision);
  return { [blockId]: refusalPlainText(desk, refusal).slice(0, 2000) };
}
