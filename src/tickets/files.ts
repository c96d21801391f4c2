import { createHmac, timingSafeEqual } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import type { TicketFile } from '../store/files.js';
import type { Agent } from '../workspace/schema.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import type { Actor, Ticket } from './types.js';

export type { TicketFile } from '../store/files.js';

const MB = 1024 * 1024;

/** The workspace file's limits, in bytes. */
export function fileLimits(desk: Desk): {
  maxFileBytes: number;
  maxFilesPerMessage: number;
  maxTicketBytes: number;
  maxFileMb: number;
  maxTicketMb: number;
} {
  const { maxFileMb, maxFilesPerMessage, maxTicketMb } = desk.directory.workspace.files;
  return {
    maxFileBytes: Math.floor(maxFileMb * MB),
    maxFilesPerMessage,
    maxTicketBytes: Math.floor(maxTicketMb * MB),
    maxFileMb,
    maxTicketMb,
  };
}

/** A file deskbolt keeps itself: its bytes, the name its sender gave, and the type they claimed (never trusted). */
export interface IncomingFile {
  name: string;
  bytes: Buffer;
  declaredType?: string | undefined;
  /** Its size as announced, when the bytes were not read because it is over the limit (a 2 GB upload is never held in memory). */
  announcedSize?: number | undefined;
  /** It could not be read (deleted before deskbolt fetched it): refused, and its sender told. */
  unreadable?: boolean | undefined;
}

/** A file that lives in Slack, as files.info described it; or one Slack no longer has. */
export type SlackFileSeen =
  | { fileId: string; name: string; size: number; contentType: string; permalink: string }
  | { fileId: string; name: string; gone: true };

/** What became of one message's files: those kept, and each refused one with the reason its sender is told. */
export interface AttachOutcome {
  kept: TicketFile[];
  refused: Refusal[];
}

export interface AttachRequest {
  ticketNumber: number;
  /** The comment the files came with: its id is known before or after it is written (the source key's). */
  commentId: string;
  actor: Actor;
  /** Files of an internal note never reach the requester. */
  visibility?: 'public' | 'internal';
}

/** A name is kept as its sender gave it (shown escaped, like any text a person typed), up to this length. */
const NAME_MAX = 255;

function storedName(name: string): string {
  return name.trim().slice(0, NAME_MAX) || 'file';
}

/**
 * The name a download is saved under: no folders (`../../etc/passwd` saves as `passwd`), no control
 * characters or quotes, never empty. What the browser does with it is its own, but nothing in it can
 * reach outside the download folder or break the header it is sent in.
 */
export function downloadFileName(name: string): string {
  const base =
    name
      .replace(/\\/g, '/')
      .split('/')
      .filter((part) => part !== '' && part !== '.' && part !== '..')
      .at(-1) ?? '';
  // Control characters and quotes never reach a Content-Disposition header or a saved name.
  const printable = [...base]
    .filter((character) => character > '\u001f' && character !== '\u007f' && character !== '"')
    .join('');
  const clean = printable.replace(/^\.+/, '').trim();
  return clean || 'file';
}

/** The type the bytes say they are: magic numbers first, then text or not. The name and the sender's claim are not asked. */
export async function sniffedType(bytes: Buffer): Promise<string> {
  const found = await fileTypeFromBuffer(bytes);
  if (found) return found.mime;
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return 'application/octet-stream';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(
      head.length < bytes.length ? head.subarray(0, lastWholeCharacter(head)) : head,
    );
    return 'text/plain';
  } catch {
    return 'application/octet-stream';
  }
}

/** A cut at 8 KB may split a UTF-8 character: decode up to the last one that is whole. */
function lastWholeCharacter(head: Buffer): number {
  const end = head.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = head[end - back]!;
    if ((byte & 0xc0) === 0xc0) return end - back;
    if ((byte & 0x80) === 0) return end;
  }
  return end;
}

function fileIdOf(commentId: string, index: number): string {
  // Padded, so a comment's files sort by their order in the message.
  return `${commentId}:${String(index).padStart(3, '0')}`;
}

/**
 * Files that came with a comment (an email's attachments, an API upload, an agent's reply files):
 * kept in order until a limit says no; each refused one gets a reason for its sender, the rest are
 * kept. Idempotent per comment: a retry with the same commentId keeps the same ids, stores nothing twice.
 */
export async function attachFiles(
  desk: Desk,
  request: AttachRequest & { files: readonly IncomingFile[] },
): Promise<AttachOutcome | Refusal> {
  const ticket = await desk.store.tickets.get(request.ticketNumber);
  if (!ticket) return refuse('no_such_ticket', { number: request.ticketNumber });
  const limits = fileLimits(desk);
  const earlier = await desk.store.files.ofTicket(ticket.number);
  const already = new Map(
    earlier.filter((file) => file.commentId === request.commentId).map((file) => [file.id, file]),
  );
  let ticketBytes = earlier
    .filter((file) => file.stored && !already.has(file.id))
    .reduce((sum, file) => sum + file.size, 0);
  const outcome: AttachOutcome = { kept: [], refused: [] };
  for (const [index, incoming] of request.files.entries()) {
    const name = storedName(incoming.name);
    const id = fileIdOf(request.commentId, index);
    const before = already.get(id);
    if (before) {
      outcome.kept.push(before);
      ticketBytes += before.size;
      continue;
    }
    if (incoming.unreadable) {
      outcome.refused.push(refuse('file_gone', { name }));
      continue;
    }
    const verdict = limitVerdict(
      limits,
      ticket.number,
      name,
      incoming.announcedSize ?? incoming.bytes.length,
      index,
      ticketBytes,
    );
    if (verdict) {
      outcome.refused.push(verdict);
      continue;
    }
    // Its bytes were dropped as they came because the ticket had no room left for them.
    if (incoming.announcedSize !== undefined) {
      outcome.refused.push(refuse('ticket_files_full', { name, number: ticket.number, maxMb: limits.maxTicketMb }));
      continue;
    }
    const contentType = await sniffedType(incoming.bytes);
    const sha256 = await desk.store.files.putBytes(id, name, contentType, incoming.bytes);
    const file: TicketFile = {
      id,
      ticketNumber: ticket.number,
      commentId: request.commentId,
      name,
      size: incoming.bytes.length,
      contentType,
      sha256,
      visibility: request.visibility ?? 'public',
      addedBy: { kind: request.actor.kind, id: request.actor.id },
      addedAt: desk.clock(),
      stored: { bucketId: `bytes:${id}` },
      slack: null,
    };
    // The bytes first, then the record: a crash in between leaves bytes a retry finds and reuses.
    await desk.store.files.add(file);
    ticketBytes += file.size;
    outcome.kept.push(file);
  }
  return { kept: outcome.kept, refused: oneLineForTooMany(outcome.refused) };
}

/** Fifty files in one message are told as one sentence, not forty: the first name and how many more. */
function oneLineForTooMany(refused: Refusal[]): Refusal[] {
  const tooMany = refused.filter((refusal) => refusal.code === 'files_too_many');
  if (tooMany.length < 2) return refused;
  const first = tooMany[0]!.facts as { name: string; max: number };
  return [
    ...refused.filter((refusal) => refusal.code !== 'files_too_many'),
    refuse('files_too_many', { name: first.name, max: first.max, more: tooMany.length - 1 }),
  ];
}

/** Why a file is over a limit, or null when it may be kept. Also what a streamed upload asks before it reads a byte more. */
export function limitVerdict(
  limits: ReturnType<typeof fileLimits>,
  ticketNumber: number,
  name: string,
  size: number,
  index: number,
  ticketBytes: number,
): Refusal | null {
  if (index >= limits.maxFilesPerMessage)
    return refuse('files_too_many', { name, max: limits.maxFilesPerMessage, more: 0 });
  if (size === 0) return refuse('file_empty', { name });
  if (size > limits.maxFileBytes) return refuse('file_over_limit', { name, bytes: size, maxMb: limits.maxFileMb });
  if (ticketBytes + size > limits.maxTicketBytes)
    return refuse('ticket_files_full', { name, number: ticketNumber, maxMb: limits.maxTicketMb });
  return null;
}

/**
 * Files a person shared in Slack with a comment: they stay in Slack (deskbolt keeps their id and
 * permalink, not their bytes), so only the count per message limits them; Slack's own limit is on size.
 */
export async function attachSlackFiles(
  desk: Desk,
  request: AttachRequest & { files: readonly SlackFileSeen[] },
): Promise<AttachOutcome> {
  const limits = fileLimits(desk);
  const outcome: AttachOutcome = { kept: [], refused: [] };
  for (const [index, seen] of request.files.entries()) {
    const name = storedName(seen.name);
    if ('gone' in seen) {
      outcome.refused.push(refuse('file_gone', { name: seen.name ? name : '' }));
      continue;
    }
    if (index >= limits.maxFilesPerMessage) {
      outcome.refused.push(refuse('files_too_many', { name, max: limits.maxFilesPerMessage, more: 0 }));
      continue;
    }
    const file: TicketFile = {
      id: fileIdOf(request.commentId, index),
      ticketNumber: request.ticketNumber,
      commentId: request.commentId,
      name,
      size: seen.size,
      contentType: seen.contentType,
      sha256: null,
      visibility: request.visibility ?? 'public',
      addedBy: { kind: request.actor.kind, id: request.actor.id },
      addedAt: desk.clock(),
      stored: null,
      slack: { fileId: seen.fileId, permalink: seen.permalink },
    };
    await desk.store.files.add(file);
    outcome.kept.push(file);
  }
  return { kept: outcome.kept, refused: oneLineForTooMany(outcome.refused) };
}

/** A ticket's files, oldest first; for a requester's eyes (`publicOnly`) without internal notes' files. */
export async function filesOfTicket(
  desk: Desk,
  ticketNumber: number,
  options: { publicOnly?: boolean } = {},
): Promise<TicketFile[]> {
  const files = await desk.store.files.ofTicket(ticketNumber);
  return options.publicOnly ? files.filter((file) => file.visibility === 'public') : files;
}

/**
 * A comment's stored files with their bytes, for an outgoing message (a reply mail's attachments, an
 * upload into the requester's Slack thread). Internal files are never returned: they never leave the desk.
 */
export async function commentFilesToSend(
  desk: Desk,
  commentId: string,
): Promise<{ file: TicketFile; bytes: Buffer }[]> {
  const files = (await desk.store.files.ofComment(commentId)).filter(
    (file) => file.visibility === 'public' && file.stored,
  );
  const loaded: { file: TicketFile; bytes: Buffer }[] = [];
  for (const file of files) {
    const bytes = await desk.store.files.readBytes(file);
    if (bytes) loaded.push({ file, bytes });
  }
  return loaded;
}

/** Retention (or any deletion of a ticket) takes its stored files with it. */
export async function deleteFilesOfTicket(desk: Desk, ticketNumber: number): Promise<number> {
  return desk.store.files.deleteOfTicket(ticketNumber);
}

// ─── Download links ─────────────────────────────────────────────────────────────────────────

/** How long a download link minted for a viewer works. */
export const DOWNLOAD_LINK_MS = 60 * 60_000;

/** Who may open a ticket's stored files: the agents of its group, every lead and every admin. */
export function maySeeFiles(agent: Agent | undefined, ticket: Pick<Ticket, 'groupId'>): boolean {
  if (!agent) return false;
  return agent.role === 'admin' || agent.role === 'lead' || agent.groups.includes(ticket.groupId);
}

function linkSignature(secret: string, fileId: string, viewer: string, expires: number): Buffer {
  return createHmac('sha256', secret).update(`deskbolt-file-link:v1:${fileId}:${viewer}:${expires}`).digest();
}

/**
 * A link for one viewer, minted when a card is rendered for them: the file, the viewer's Slack id and
 * an expiry, signed with the server's secret. A plain GET cannot prove who clicks, so the link itself
 * names them, and it is only ever shown to them (an ephemeral card, their own App Home, their modal).
 */
export function downloadPath(secret: string, fileId: string, viewer: string, now: Date): string {
  const expires = now.getTime() + DOWNLOAD_LINK_MS;
  const signature = linkSignature(secret, fileId, viewer, expires).toString('base64url');
  // The id as base64url: a link any surface can carry as is (a file id may hold `:`, `%` or `/`).
  return `/files/${Buffer.from(fileId).toString('base64url')}?viewer=${encodeURIComponent(viewer)}&expires=${expires}&signature=${signature}`;
}

export interface DownloadRequest {
  fileId: string;
  viewer: string;
  expires: string;
  signature: string;
}

/** The bytes of a stored file, for a link that is genuine, unexpired and whose viewer may still see the ticket. */
export async function openDownload(
  desk: Desk,
  secret: string,
  link: DownloadRequest,
): Promise<{ ok: true; file: TicketFile; bytes: Buffer } | Refusal> {
  const expires = Number(link.expires);
  const given = Buffer.from(link.signature, 'base64url');
  const wanted = Number.isSafeInteger(expires) ? linkSignature(secret, link.fileId, link.viewer, expires) : null;
  if (!wanted || given.length !== wanted.length || !timingSafeEqual(given, wanted)) return refuse('file_link_refused');
  if (desk.clock().getTime() > expires) return refuse('file_link_expired');
  const file = await desk.store.files.get(link.fileId);
  if (!file?.stored) return refuse('no_such_file', { id: link.fileId });
  const ticket = await desk.store.tickets.get(file.ticketNumber);
  // Checked again at the click, not only when the link was made: someone moved out of the group since is refused.
  if (!ticket || !maySeeFiles(desk.directory.agent(link.viewer), ticket)) return refuse('file_link_refused');
  const bytes = await desk.store.files.readBytes(file);
  if (!bytes) return refuse('no_such_file', { id: link.fileId });
  return { ok: true, file, bytes };
}
