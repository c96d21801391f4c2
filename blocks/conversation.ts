import type { Button, KnownBlock, ModalView } from '@slack/types';
import type { CommentOrigin, ConversationEntry, ConversationFile } from '../src/tickets/conversation.js';
import type { Actor, Ticket } from '../src/tickets/types.js';
import { fileSize } from './files.js';
import { actionIds, callbackIds } from './ids.js';
import { clip, escapeMrkdwn, mrkdwn, plain } from './text.js';

/**
 * Block Kit's limits the view is built within (https://docs.slack.dev/reference/block-kit/blocks/section-block,
 * https://docs.slack.dev/surfaces/modals): a section's text is at most 3,000 characters, a modal at most 100 blocks.
 */
export const SECTION_TEXT_MAX = 3000;
export const MODAL_BLOCKS_MAX = 100;
/** Blocks of a part that are not the conversation: its heading, a context line, the paging buttons. */
const FRAME_BLOCKS = 3;

/** How each door reads on an entry. */
export const ORIGIN_LABEL: Record<CommentOrigin, string> = {
  'slack-form': 'Slack form',
  'slack-message': 'a Slack message',
  'intake-channel': 'intake channel',
  'slack-dm': 'Slack DM',
  chat: 'chat',
  email: 'email',
  rest: 'REST API',
  'reply-form': 'reply form',
  merge: 'merge',
  escalation: 'escalation',
  desk: 'deskbolt',
};

/**
 * Text cut into pieces a section holds once escaped (`&` grows to `&amp;`), at a line break or a space
 * where one is near: joined again they are the text, to the character.
 */
export function textPieces(text: string, max = SECTION_TEXT_MAX): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let size = 0;
    let end = start;
    while (end < text.length) {
      const grows = escapedSize(text[end]!);
      if (size + grows > max) break;
      size += grows;
      end += 1;
    }
    if (end < text.length) {
      const cut = Math.max(text.lastIndexOf('\n', end - 1), text.lastIndexOf(' ', end - 1));
      // A break in the last quarter of the piece; else the piece is cut where it is full.
      if (cut >= start + Math.floor((end - start) * 0.75)) end = cut + 1;
    }
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

function escapedSize(character: string): number {
  return character === '&' ? 5 : character === '<' || character === '>' ? 4 : 1;
}

function actorText(actor: Actor): string {
  if (actor.kind === 'agent' || (actor.kind === 'requester' && /^[UW][A-Z0-9]+$/.test(actor.id)))
    return `<@${actor.id}>`;
  return escapeMrkdwn(actor.name ?? actor.id);
}

function entryLabel(entry: ConversationEntry): string {
  if (entry.kind === 'request') return ':inbox_tray: *The request*';
  if (entry.kind === 'internal' || entry.kind === 'chat-note')
    return ':lock: *Internal note* (agents only, never sent to the requester)';
  return entry.author.kind === 'agent' ? ':speech_balloon: *Public reply*' : ':bust_in_silhouette: *Requester*';
}

/** A comment's files, one line: names as written (escaped), linked where there is a link. */
export function filesLine(files: readonly ConversationFile[]): string | null {
  if (files.length === 0) return null;
  const names = files.map((file) => {
    const name = file.link
      ? `<${escapeMrkdwn(encodeURI(file.link))}|${escapeMrkdwn(file.name)}>`
      : escapeMrkdwn(file.name);
    const facts = [
      file.size === undefined ? null : fileSize(file.size),
      file.contentType ? escapeMrkdwn(file.contentType) : null,
    ].filter(Boolean);
    return facts.length > 0 ? `${name} (${facts.join(', ')})` : name;
  });
  return `:paperclip: ${names.join(', ')}`;
}

/** The blocks of one entry: who, from where and when, then its whole text in as many sections as it needs. */
function entryBlocks(entry: ConversationEntry, when: Intl.DateTimeFormat, continued = false): KnownBlock[] {
  const origin =
    entry.mergedFrom !== null ? `from #${entry.mergedFrom} (merged in)` : `via ${ORIGIN_LABEL[entry.origin]}`;
  const heading = `${entryLabel(entry)} · ${actorText(entry.author)} · ${origin} · ${when.format(entry.at)}${continued ? ' · _continued_' : ''}`;
  const blocks: KnownBlock[] = [{ type: 'context', elements: [mrkdwn(heading)] }];
  const pieces = entry.text ? textPieces(entry.text) : [];
  if (pieces.length === 0) blocks.push({ type: 'section', text: mrkdwn('_no text_') });
  for (const piece of pieces) blocks.push({ type: 'section', text: mrkdwn(escapeMrkdwn(piece)) });
  const files = filesLine(entry.files);
  if (files) blocks.push({ type: 'context', elements: [mrkdwn(files)] });
  blocks.push({ type: 'divider' });
  return blocks;
}

/**
 * A page's entries as parts that each fit a modal: a long page (long comments) is shown in more than
 * one part, a comment cut between two parts shows its heading again on the next.
 */
export function conversationParts(entries: readonly ConversationEntry[], timeZone: string): KnownBlock[][] {
  const when = new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' });
  const room = MODAL_BLOCKS_MAX - FRAME_BLOCKS;
  const parts: KnownBlock[][] = [[]];
  for (const entry of entries) {
    let blocks = entryBlocks(entry, when);
    let current = parts.at(-1)!;
    if (current.length > 0 && current.length + blocks.length > room) {
      current = [];
      parts.push(current);
    }
    while (current.length + blocks.length > room) {
      // One entry longer than a part holds: the rest goes on, its heading repeated.
      const fits = room - current.length;
      current.push(...blocks.slice(0, fits));
      blocks = [entryBlocks(entry, when, true)[0]!, ...blocks.slice(fits)];
      current = [];
      parts.push(current);
    }
    current.push(...blocks);
  }
  return parts;
}

export interface ConversationModalData {
  ticket: Pick<Ticket, 'number' | 'subject' | 'mergedInto'>;
  entries: readonly ConversationEntry[];
  page: number;
  pages: number;
  /** Which part of the page (a page of long comments shows in parts); -1 for its last. */
  part: number;
  total: number;
  internal: boolean;
  mergedIn: readonly number[];
  timeZone: string;
}

/** Where an Older or Newer button leads: `ticket:page:part`. */
export function conversationValue(ticketNumber: number, page: number, part: number): string {
  return `${ticketNumber}:${page}:${part}`;
}

export function readConversationValue(value: string | undefined): { number: string; page: number; part: number } {
  const [number = '', page = '0', part = '0'] = (value ?? '').split(':');
  const pageNumber = Number(page);
  const partNumber = Number(part);
  return {
    number,
    page: Number.isInteger(pageNumber) && pageNumber >= 0 ? pageNumber : 0,
    part: Number.isInteger(partNumber) && partNumber >= -1 ? partNumber : 0,
  };
}

/**
 * The whole ticket as a modal, oldest first: every entry with who wrote it, where it came in, when
 * and its full text; internal notes marked. Paged within Block Kit's limits; Older and Newer move
 * through it in the same view.
 */
export function conversationModal(data: ConversationModalData): ModalView {
  const parts = conversationParts(data.entries, data.timeZone);
  const part = data.part === -1 || data.part >= parts.length ? parts.length - 1 : data.part;
  const facts = [
    `${data.total} entr${data.total === 1 ? 'y' : 'ies'}, oldest first`,
    `page ${data.page + 1} of ${data.pages}${parts.length > 1 ? ` (part ${part + 1} of ${parts.length})` : ''}`,
  ];
  if (!data.internal) facts.push('replies and your messages');
  const notes: string[] = [];
  if (data.ticket.mergedInto !== null)
    notes.push(`:twisted_rightwards_arrows: Merged into #${data.ticket.mergedInto}: the conversation goes on there.`);
  if (data.mergedIn.length > 0)
    notes.push(
      `:twisted_rightwards_arrows: ${data.mergedIn.map((source) => `#${source}`).join(', ')} merged into #${data.ticket.number}: their comments are here, marked “from #N”.`,
    );
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(
        `*#${data.ticket.number} ${escapeMrkdwn(clip(data.ticket.subject, 150))}*\n${facts.join(' · ')}${notes.length ? `\n${notes.join('\n')}` : ''}`,
      ),
    },
  ];
  blocks.push(...parts[part]!);
  const paging: Button[] = [];
  const older =
    part > 0
      ? conversationValue(data.ticket.number, data.page, part - 1)
      : data.page > 0
        ? conversationValue(data.ticket.number, data.page - 1, -1)
        : null;
  const newer =
    part + 1 < parts.length
      ? conversationValue(data.ticket.number, data.page, part + 1)
      : data.page + 1 < data.pages
        ? conversationValue(data.ticket.number, data.page + 1, 0)
        : null;
  if (older)
    paging.push({ type: 'button', action_id: `${actionIds.conversation}_older`, text: plain('Older'), value: older });
  if (newer)
    paging.push({ type: 'button', action_id: `${actionIds.conversation}_newer`, text: plain('Newer'), value: newer });
  if (paging.length > 0) blocks.push({ type: 'actions', block_id: 'conversation_paging', elements: paging });
  return {
    type: 'modal',
    callback_id: callbackIds.conversation,
    title: plain(`Conversation #${data.ticket.number}`, 24),
    close: plain('Close', 24),
    blocks,
  };
}
