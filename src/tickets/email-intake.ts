import type { EmailAttachmentNote, EmailHeaders, EmailRecord } from '../store/email.js';
import type { Desk } from './desk.js';
import { attachFiles } from './files.js';
import { DESCRIPTION_MAX, openTicket, requesterSchema, SUBJECT_MAX } from './intake.js';
import { describeRefusal, isRefusal, type RefusalWords } from './refusals.js';
import { addRequesterReply, REPLY_MAX, replyCommentId } from './requester-reply.js';
import type { Actor } from './types.js';

/** A message as read from a mailbox, its MIME already taken apart (src/email/parse.ts). */
export interface IncomingEmail {
  /** `<id@host>` as written, or null when the message had none. */
  messageId: string | null;
  /** In-Reply-To first, then References newest first: where a reply says it belongs. */
  threadIds: string[];
  from: { address: string; name: string } | null;
  subject: string;
  headers: EmailHeaders;
  /** The whole text: the text part, else the HTML turned into text. */
  text: string;
  /** Why the headers say no person wrote it (an auto-reply, a bounce, a list), or null. */
  automatic: string | null;
  /** Why the message could not be read as a whole (malformed MIME), or null. */
  unreadable: string | null;
  attachments: { name: string; bytes: Buffer; declaredType: string }[];
}

/** The mailbox it was read from, and where in it. */
export interface MailboxPlace {
  address: string;
  group: number;
  uidValidity: number;
  uid: number;
}

export type EmailFiling =
  | { outcome: 'ticket'; ticketNumber: number }
  | { outcome: 'comment'; ticketNumber: number; commentId: string; reopened: boolean }
  | { outcome: 'skipped'; reason: string }
  /** Read before (a restart, another replica, a second copy in the mailbox): nothing done again. */
  | { outcome: 'duplicate'; ticketNumber: number | null }
  /** Another reader is filing it this moment: left to it (the message is neither marked nor passed). */
  | { outcome: 'busy' };

/** A claim older than this whose reader said nothing since is taken over: that reader died or lost its lease. */
export const CLAIM_HOLD_MS = 2 * 60_000;

/** The text stored for "View original": a 25 MB message's text is kept up to here. */
export const FULL_TEXT_MAX = 1_000_000;
const NO_TEXT = '(no text: see View original)';
const CUT_NOTE = '\n\n[cut here: View original shows all of it]';

/** Message-IDs deskbolt writes on what it sends: `<deskbolt.1042.<hash>@domain>`, so a reply to one finds its ticket without a read. */
const OWN_MESSAGE_ID = /^<deskbolt\.(\d+)\.[a-z0-9]+@/i;

export function recordIdOf(email: Pick<IncomingEmail, 'messageId'>, place: MailboxPlace): string {
  return email.messageId ? `mid:${email.messageId}` : `uid:${place.address}:${place.uidValidity}:${place.uid}`;
}

/**
 * Files one message read from a mailbox: a new thread is a ticket for an email requester, a reply in a
 * thread (In-Reply-To / References, else `[#N]` in the subject) a comment on its ticket, through the same
 * workflow as a Slack reply (a pending or solved ticket reopens; a merged one forwards to its target).
 * Loops and noise are recorded with the reason and skipped. The message's record is claimed first,
 * under a unique id: whoever reads it again (a restart, a second replica) finds it and files nothing.
 * A crash between the claim and the outcome is finished by the next read, which files the same
 * ticket (its number was reserved on the record) or the same comment (its id comes from the record's).
 */
export async function fileIncomingEmail(
  desk: Desk,
  place: MailboxPlace,
  email: IncomingEmail,
  owner: string,
): Promise<EmailFiling> {
  const id = recordIdOf(email, place);
  const now = desk.clock();
  const claim = await desk.store.email.claim({
    id,
    mailbox: place.address,
    messageId: email.messageId,
    uidValidity: place.uidValidity,
    uid: place.uid,
    from: email.from?.address.toLowerCase() ?? null,
    fromName: (email.from?.name ?? '').slice(0, 200),
    subject: email.subject.slice(0, 1000),
    at: now,
    claimedBy: owner,
    claimedAt: now,
    headers: boundedHeaders(email.headers),
    fullText: email.text.length > FULL_TEXT_MAX ? `${email.text.slice(0, FULL_TEXT_MAX)}${CUT_NOTE}` : email.text,
    attachments: email.attachments.map(noteOf),
  });
  if (!claim.claimed) {
    if (claim.record.state !== 'filing') return { outcome: 'duplicate', ticketNumber: claim.record.ticketNumber };
    const stale = new Date(now.getTime() - CLAIM_HOLD_MS);
    if (claim.record.claimedBy !== owner && !(await desk.store.email.takeOver(id, owner, stale, now)))
      return { outcome: 'busy' };
  }
  const filing = await decide(desk, place, email, claim.record);
  if (filing.outcome === 'skipped') await desk.store.email.settle(id, { state: 'skipped', reason: filing.reason });
  else if (filing.outcome === 'ticket')
    await desk.store.email.settle(id, { state: 'ticket', ticketNumber: filing.ticketNumber });
  else if (filing.outcome === 'comment')
    await desk.store.email.settle(id, {
      state: 'comment',
      ticketNumber: filing.ticketNumber,
      commentId: filing.commentId,
    });
  return filing;
}

async function decide(
  desk: Desk,
  place: MailboxPlace,
  email: IncomingEmail,
  record: EmailRecord,
): Promise<EmailFiling> {
  if (email.unreadable)
    return {
      outcome: 'skipped',
      reason: `unreadable MIME (${email.unreadable.slice(0, 200)}); the message stays in the mailbox`,
    };
  if (email.automatic) return { outcome: 'skipped', reason: email.automatic };
  const sender = requesterOf(email);
  if (!sender.ok) return { outcome: 'skipped', reason: sender.reason };
  const own = ownAddresses(desk);
  if (
    own.has(sender.requester.email.toLowerCase()) ||
    (email.messageId !== null && OWN_MESSAGE_ID.test(email.messageId))
  ) {
    return { outcome: 'skipped', reason: `sent from deskbolt's own address ${sender.requester.email} (a loop)` };
  }
  const author: Actor = { kind: 'requester', id: sender.requester.email, name: sender.requester.name };
  const written = newlyWritten(email.text);
  const attachments = email.attachments.map(noteOf);

  const thread = await ticketOfThread(desk, email);
  if (thread !== null) {
    const reply = await addRequesterReply(desk, {
      number: thread,
      text: bounded(written, REPLY_MAX) || NO_TEXT,
      author,
      sourceKey: `email:${record.id}`,
      extra: { via: 'email', ...(attachments.length > 0 ? { attachments } : {}) },
    });
    if (reply.ok) {
      const commentId = replyCommentId(`email:${record.id}`);
      await keepEmailAttachments(desk, {
        ticketNumber: reply.ticket.number,
        commentId,
        files: email.attachments,
        actor: author,
      });
      return { outcome: 'comment', ticketNumber: reply.ticket.number, commentId, reopened: reply.reopened };
    }
    // The ticket it names is gone (deleted in another desk's import): a new thread, then.
    if (reply.code !== 'no_such_ticket')
      return {
        outcome: 'skipped',
        reason: `the reply to #${thread} was refused (${reply.code}); the message stays in the mailbox`,
      };
  }

  const limit = desk.directory.workspace.email?.newTicketsPerSenderPerHour ?? 20;
  const lately = await desk.store.email.newTicketsFrom(
    sender.requester.email.toLowerCase(),
    new Date(desk.clock().getTime() - 60 * 60_000),
  );
  if (lately >= limit)
    return {
      outcome: 'skipped',
      reason: `${sender.requester.email} sent more than ${limit} new tickets in an hour (a loop or a flood)`,
    };

  const number = await desk.store.email.reserveNumber(record.id, () => desk.store.tickets.nextNumber());
  const opened = await openTicket(
    desk,
    {
      subject: bounded(email.subject.replace(/\s+/g, ' ').trim(), SUBJECT_MAX, '…') || '(no subject)',
      description: bounded(written, DESCRIPTION_MAX) || NO_TEXT,
      requester: sender.requester,
      groupId: place.group,
    },
    { actor: author, channel: 'email', source: { kind: 'email', mailbox: place.address }, reservedNumber: number },
  );
  if (!opened.ok)
    return {
      outcome: 'skipped',
      reason: `no ticket could be filed (${opened.code}); the message stays in the mailbox`,
    };
  // The opening comment's files go under `opening:<number>`, where the card and the conversation look for the request's.
  await keepEmailAttachments(desk, {
    ticketNumber: number,
    commentId: `opening:${number}`,
    files: email.attachments,
    actor: author,
  });
  return { outcome: 'ticket', ticketNumber: number };
}

/**
 * An email's attachments, kept with the ticket in the files store (GridFS) as the files of the comment
 * they came with. What a limit refuses is said in an internal note on the ticket (agents see why a file
 * the requester mentions is not there) and the rest is kept: the mail itself is never lost for a file.
 * Safe to run again for the same comment (a retry after a crash): files and note are written once.
 */
export async function keepEmailAttachments(
  desk: Desk,
  request: { ticketNumber: number; commentId: string; files: IncomingEmail['attachments']; actor: Actor },
): Promise<void> {
  if (request.files.length === 0) return;
  const outcome = await attachFiles(desk, {
    ticketNumber: request.ticketNumber,
    commentId: request.commentId,
    files: request.files.map((file) => ({ name: file.name, bytes: file.bytes, declaredType: file.declaredType })),
    actor: request.actor,
  });
  // The ticket was stored just before: its absence is a fault a retry of the message may mend.
  if (isRefusal(outcome))
    throw new Error(`the attachments of #${request.ticketNumber} could not be kept (${outcome.code})`);
  if (outcome.refused.length === 0) return;
  const reasons = outcome.refused.map((refusal) => describeRefusal(refusal, PLAIN_WORDS));
  await desk.store.tickets.addComment(
    request.ticketNumber,
    'internal',
    { kind: 'system', id: 'email', name: 'Email' },
    `Attachments of ${request.actor.name ?? request.actor.id}'s email not kept:\n${reasons.join('\n')}`,
    desk.clock(),
    { id: `refused-files:${request.commentId}` },
  );
  desk.events.ticketChanged(request.ticketNumber);
}

/** The note is stored raw, like any text: every surface escapes it where it is shown. */
const PLAIN_WORDS: RefusalWords = {
  person: (id) => id,
  group: (id) => String(id),
  quote: (typed) => typed,
  code: (literal) => literal,
  groupList: () => '',
};

function noteOf(file: IncomingEmail['attachments'][number]): EmailAttachmentNote {
  return { name: file.name.slice(0, 255), size: file.bytes.length, type: file.declaredType.slice(0, 120) };
}

function requesterOf(
  email: IncomingEmail,
): { ok: true; requester: { kind: 'email'; email: string; name: string } } | { ok: false; reason: string } {
  if (!email.from?.address) return { ok: false, reason: 'no sender address (no From)' };
  const address = email.from.address.trim();
  const local = address.split('@')[0]?.toLowerCase() ?? '';
  if (local === 'mailer-daemon' || local === 'postmaster')
    return { ok: false, reason: `a bounce (from ${address.slice(0, 120)})` };
  const name = (email.from.name.replace(/\s+/g, ' ').trim() || address).slice(0, 120);
  const parsed = requesterSchema.safeParse({ kind: 'email', email: address, name });
  if (!parsed.success || parsed.data.kind !== 'email')
    return { ok: false, reason: `the sender address ${JSON.stringify(address.slice(0, 120))} cannot be answered` };
  return { ok: true, requester: parsed.data };
}

function ownAddresses(desk: Desk): Set<string> {
  const own = new Set(
    (desk.directory.workspace.email?.mailboxes ?? []).map((mailbox) => mailbox.address.toLowerCase()),
  );
  const from = desk.settings.mailFrom
    ? /<([^<>\s]+@[^<>\s]+)>|([^\s<>"]+@[^\s<>"]+)/.exec(desk.settings.mailFrom)
    : null;
  if (from) own.add((from[1] ?? from[2]!).toLowerCase());
  return own;
}

/** The ticket a reply belongs to: a Message-ID deskbolt sent, one it filed, else `[#N]` in the subject. */
async function ticketOfThread(desk: Desk, email: IncomingEmail): Promise<number | null> {
  for (const messageId of email.threadIds) {
    const own = OWN_MESSAGE_ID.exec(messageId);
    if (own && (await desk.store.tickets.get(Number(own[1])))) return Number(own[1]);
  }
  const filed = await desk.store.email.ticketOfAny(email.threadIds.slice(0, 50).map((messageId) => `mid:${messageId}`));
  if (filed !== null) return filed;
  const numbered = /\[#(\d{1,9})\]/.exec(email.subject);
  if (numbered && (await desk.store.tickets.get(Number(numbered[1])))) return Number(numbered[1]);
  return null;
}

/**
 * What the sender newly wrote: the quoted history of a reply cut off (below "On … wrote:", an
 * Outlook "-----Original Message-----" or "From:" block, and `>` lines), so the card shows the news.
 * "View original" keeps the whole.
 */
export function newlyWritten(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let end = lines.length;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    // "On Mon, 2 Nov 2026 at 10:00, Ana <a@x> wrote:" wraps onto two or three lines in many clients.
    const joined = [line, lines[index + 1]?.trim() ?? '', lines[index + 2]?.trim() ?? ''].join(' ');
    if (/^On\b.{0,300}\bwrote:/.test(joined) && /^On\b/.test(line)) {
      end = index;
      break;
    }
    if (
      /^-{2,}\s*Original Message\s*-{2,}$/i.test(line) ||
      (/^_{10,}$/.test(line) && /^From:/i.test(lines[index + 1]?.trim() ?? ''))
    ) {
      end = index;
      break;
    }
  }
  const kept = lines.slice(0, end).filter((line) => !/^\s*>/.test(line));
  const result = kept
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return result || text.trim();
}

function bounded(text: string, max: number, note = CUT_NOTE): string {
  return text.length > max ? `${text.slice(0, max - note.length).trimEnd()}${note}` : text;
}

function boundedHeaders(headers: EmailHeaders): EmailHeaders {
  return {
    from: headers.from.slice(0, 1000),
    to: headers.to.slice(0, 2000),
    cc: headers.cc.slice(0, 2000),
    date: headers.date.slice(0, 100),
    subject: headers.subject.slice(0, 20_000),
  };
}

/** "View original" of an email ticket: the first message's headers and its whole text. */
export async function originalEmail(
  desk: Desk,
  ticketNumber: number,
): Promise<{ headers: EmailHeaders; text: string; attachments: EmailAttachmentNote[] } | null> {
  const record = await desk.store.email.originalOf(ticketNumber);
  return record ? { headers: record.headers, text: record.fullText, attachments: record.attachments } : null;
}

/** Mail recorded and skipped, newest first, for admins: what it was and why (GET /api/v1/email/skipped). */
export async function skippedEmail(desk: Desk, limit = 50): Promise<EmailRecord[]> {
  return desk.store.email.skipped(limit);
}
