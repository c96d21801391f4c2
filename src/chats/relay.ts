import { ticketEvent } from '../events/ticket-events.js';
import { type Desk, type Refusal, refuse } from '../tickets/desk.js';
import { mayWorkIn, outsideGroup } from '../tickets/permissions.js';
import { REPLY_MAX } from '../tickets/requester-reply.js';
import type { Actor } from '../tickets/types.js';
import { expandShortcut, type ShortcutNames } from './shortcuts.js';
import type { Chat, RelayedMessage, SlackRef } from './types.js';

/** The key of a Slack message in the relay map and in comment ids: where it was written. */
export function messageKey(ref: SlackRef): string {
  return `${ref.channel}:${ref.ts}`;
}

// ─── Files ────────────────────────────────────────────────────────────────────────────────

export const FILE_MAX_BYTES = 20 * 1024 * 1024;
const RELAYABLE_FILETYPES = new Set(['pdf', 'png', 'jpg', 'jpeg', 'gif', 'text', 'txt']);
const RELAYABLE_MIMETYPES = new Set(['application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'text/plain']);

export interface SharedFile {
  id: string;
  name: string;
  mimetype: string;
  filetype: string;
  size: number;
}

/** Only PDF, PNG, JPEG, GIF and TXT up to 20 MB cross to the other side; the refusal is for the sender. */
export function fileVerdict(file: SharedFile): { ok: true } | Refusal {
  const allowedType =
    RELAYABLE_MIMETYPES.has(file.mimetype.toLowerCase()) && RELAYABLE_FILETYPES.has(file.filetype.toLowerCase());
  if (!allowedType) {
    return refuse('file_type_refused', { name: file.name });
  }
  if (file.size > FILE_MAX_BYTES) {
    return refuse('file_too_big', { name: file.name, bytes: file.size });
  }
  return { ok: true };
}

// ─── The agent's side ─────────────────────────────────────────────────────────────────────

export interface ThreadMessage {
  author: string;
  text: string;
  source: SlackRef;
}

/** Why a message stayed in the thread: the prefix or shortcut said so, someone other than the chat's agent wrote it (a follower among them), or the chat is not live. */
export type NoteReason = 'prefix' | 'shortcut' | 'not-the-agent' | 'not-live' | 'follower';

export type ThreadVerdict =
  /** The chat's agent spoke to the requester: relay `text`. */
  | { ok: true; kind: 'relay'; chat: Chat; text: string; duplicate: boolean }
  /** Kept in the thread as an internal chat note, never relayed. */
  | { ok: true; kind: 'note'; chat: Chat; reason: NoteReason; duplicate: boolean };

export function notePrefix(desk: Desk): string {
  return desk.directory.workspace.chat.notePrefix;
}

/**
 * A reply in a chat's thread. Only the chat's agent speaks to the requester; a reply starting with
 * the note prefix, anyone else's reply, and anything written while the chat is not live stay in the
 * thread as chat notes. Everything is stored once per Slack message (its key is the comment id).
 */
export async function threadReply(
  desk: Desk,
  chat: Chat,
  message: ThreadMessage,
  names?: ShortcutNames,
): Promise<ThreadVerdict | Refusal> {
  const text = message.text.trim();
  if (text.length > REPLY_MAX) return refuse('text_too_long', { what: 'message', length: text.length, max: REPLY_MAX });
  const prefix = notePrefix(desk);
  if (text.toLowerCase().startsWith(prefix.toLowerCase())) {
    return note(desk, chat, message.author, text.slice(prefix.length).trim() || text, message.source, 'prefix');
  }
  if (chat.state !== 'live') return note(desk, chat, message.author, text, message.source, 'not-live');
  if (chat.agent !== message.author) return note(desk, chat, message.author, text, message.source, 'not-the-agent');
  if (!text) return refuse('nothing_to_send');
  return agentSaid(desk, chat, { author: message.author, text, source: message.source }, names);
}

/** Names from what deskbolt knows, when the caller has no Slack profile to offer. */
export function directoryNames(desk: Desk, chat: Chat, agentId: string): ShortcutNames {
  return {
    requester: async () => `<@${chat.requester}>`,
    agent: async () => desk.directory.agent(agentId)?.name ?? 'Support',
  };
}

/**
 * THE path of an agent's message to the requester: the text to relay is decided here and the public
 * reply stored here, so later rules (chat shortcuts, followers) hook in at one place.
 */
export async function agentSaid(
  desk: Desk,
  chat: Chat,
  message: ThreadMessage,
  names?: ShortcutNames,
): Promise<ThreadVerdict | Refusal> {
  // A chat shortcut becomes its text here, before anything is stored or sent; an unknown one stops here.
  const expansion = await expandShortcut(
    desk,
    message.author,
    message.text,
    names ?? directoryNames(desk, chat, message.author),
  );
  if (!expansion.ok) return expansion;
  if (expansion.text.length > REPLY_MAX)
    return refuse('text_too_long', { what: 'shortcut-message', length: expansion.text.length, max: REPLY_MAX });
  const now = desk.clock();
  const author: Actor = { kind: 'agent', id: message.author };
  const comment = await desk.store.tickets.addComment(chat.ticketNumber, 'public', author, expansion.text, now, {
    id: `agent:${messageKey(message.source)}`,
  });
  if (!comment.duplicate) {
    await desk.store.tickets.change(
      chat.ticketNumber,
      {},
      {},
      ticketEvent('replied', author, now, { to: { commentId: comment.id, via: 'chat' } }),
      now,
    );
    await desk.store.chats.touch(chat.ticketNumber, now, 'agent');
    desk.events.ticketChanged(chat.ticketNumber);
  }
  return { ok: true, kind: 'relay', chat, text: comment.text, duplicate: comment.duplicate };
}

/** Where the workspace keeps agents to their own groups, an agent of another group keeps no notes on a group's chat. */
export function noteRefusal(
  desk: Desk,
  chat: Pick<Chat, 'ticketNumber' | 'groupId'>,
  authorId: string,
): Refusal | null {
  const agent = desk.directory.agent(authorId);
  if (agent && !mayWorkIn(desk, agent, chat.groupId))
    return outsideGroup({ number: chat.ticketNumber, groupId: chat.groupId });
  return null;
}

/** An internal chat note: in the thread only, stored as kind chat-note. */
export async function note(
  desk: Desk,
  chat: Chat,
  authorId: string,
  text: string,
  source: SlackRef | null,
  reason: NoteReason,
): Promise<ThreadVerdict | Refusal> {
  const refused = noteRefusal(desk, chat, authorId);
  if (refused) return refused;
  const now = desk.clock();
  const author: Actor = { kind: 'agent', id: authorId };
  const comment = await desk.store.tickets.addComment(
    chat.ticketNumber,
    'chat-note',
    author,
    text,
    now,
    source ? { id: `note:${messageKey(source)}` } : {},
  );
  if (!comment.duplicate) {
    await desk.store.tickets.change(
      chat.ticketNumber,
      {},
      {},
      ticketEvent('noted', author, now, { to: { commentId: comment.id, kind: 'chat-note', reason } }),
      now,
    );
    desk.events.ticketChanged(chat.ticketNumber);
  }
  return { ok: true, kind: 'note', chat, reason, duplicate: comment.duplicate };
}

// ─── Relayed copies: edits and deletions follow ───────────────────────────────────────────

export async function rememberRelay(
  desk: Desk,
  chat: Chat,
  original: SlackRef,
  copy: SlackRef,
  side: RelayedMessage['side'],
): Promise<void> {
  await desk.store.chats.rememberRelay({
    key: messageKey(original),
    ticketNumber: chat.ticketNumber,
    original,
    copy,
    side,
    createdAt: desk.clock(),
  });
}

/** How long a relayed copy can still follow its original's edits and deletions. */
export const RELAY_MEMORY_MS = 30 * 24 * 60 * 60_000;

/** For the jobs issue: keeps the relay map bounded (MongoDB's TTL index is not available on FerretDB). */
export async function forgetOldRelays(desk: Desk, limit = 1000): Promise<number> {
  return desk.store.chats.forgetRelaysBefore(new Date(desk.clock().getTime() - RELAY_MEMORY_MS), limit);
}

/**
 * An edited original: where its copy is, with the stored comment corrected to the new words. An agent
 * who edits a relayed message into a note (adds the prefix) meant it to stay internal: its copy is
 * withdrawn from the requester instead of updated.
 */
export async function relayedEdit(
  desk: Desk,
  original: SlackRef,
  text: string,
  namesFor: (chat: Chat, agentId: string) => ShortcutNames = (chat, agentId) => directoryNames(desk, chat, agentId),
): Promise<{ ok: true; relay: RelayedMessage; withdraw: boolean; text: string } | Refusal | null> {
  const relay = await desk.store.chats.relayOf(messageKey(original));
  if (!relay) return null;
  const commentId =
    relay.side === 'requester' ? `reply:slack:${messageKey(original)}` : `agent:${messageKey(original)}`;
  const withdraw = relay.side === 'agent' && text.trim().toLowerCase().startsWith(notePrefix(desk).toLowerCase());
  let words = text.trim();
  if (relay.side === 'agent' && !withdraw) {
    // An agent's edit goes through the same shortcut rule as their first words; an unknown one leaves the copy as it was.
    const chat = await desk.store.chats.get(relay.ticketNumber);
    const author = (await desk.store.tickets.comment(commentId))?.author.id ?? chat?.agent ?? '';
    const names: ShortcutNames = chat
      ? namesFor(chat, author)
      : { requester: async () => 'there', agent: async () => 'Support' };
    const expansion = await expandShortcut(desk, author, words, names);
    if (!expansion.ok) return expansion;
    words = expansion.text;
  }
  await desk.store.chats.reviseComment(commentId, words.slice(0, REPLY_MAX), desk.clock());
  return { ok: true, relay, withdraw, text: words };
}

/** The original of a relayed message was edited by `editor`: its copy follows (updated, or withdrawn). */
export async function editRelayed(
  desk: Desk,
  original: SlackRef,
  edit: { editor: string; text: string },
  namesFor?: (chat: Chat, agentId: string) => ShortcutNames,
): Promise<{ ok: true; relayed: boolean } | Refusal> {
  const revised = await relayedEdit(desk, original, edit.text, namesFor);
  if (!revised) return { ok: true, relayed: false };
  if (!revised.ok) return revised;
  desk.events.signal({
    type: 'relay_edited',
    relay: revised.relay,
    text: revised.text,
    withdraw: revised.withdraw,
    editor: edit.editor,
  });
  return { ok: true, relayed: true };
}

/** The original of a relayed message was deleted: its copy goes too (the comment stays as history). */
export async function deleteRelayed(desk: Desk, original: SlackRef): Promise<void> {
  const relay = await relayedDeletion(desk, original);
  if (relay) desk.events.signal({ type: 'relay_deleted', relay });
}

/** A file was shared in a chat, by its requester (in their DM) or its agent (in the thread): it crosses if its type and size allow. */
export function shareFile(
  desk: Desk,
  chat: Chat,
  share: { fileId: string; side: 'requester' | 'agent'; sender: string },
): void {
  desk.events.signal({ type: 'chat_file_shared', chat, ...share });
}

/** Where a chat comment was written in Slack, from its id (made from the message's key): the original of a relay. */
export function originalOfComment(commentId: string): SlackRef | null {
  const match = /^(?:reply:slack|agent|note):([CDG][A-Z0-9]+):(\d+\.\d+)$/.exec(commentId);
  return match ? { channel: match[1]!, ts: match[2]! } : null;
}

/** A deleted original: where its copy is. The comment stays on the ticket as history. */
export async function relayedDeletion(desk: Desk, original: SlackRef): Promise<RelayedMessage | null> {
  return desk.store.chats.relayOf(messageKey(original));
}
