import { type AddressObject, type HeaderValue, type ParsedMail, simpleParser } from 'mailparser';
import type { IncomingEmail } from '../tickets/email-intake.js';

/** HTML past this is not turned into text (mailparser's own guard against a huge page). */
const HTML_TO_TEXT_MAX = 5_000_000;

/**
 * A raw message (RFC 5322 bytes, as IMAP hands them out) taken apart by mailparser: the text part,
 * else the HTML as text (scripts and styles dropped, tracking images' addresses left out), the
 * threading headers, the headers that mark mail no person wrote, and the attachments. Never throws:
 * a message mailparser cannot read comes back `unreadable`, with what could be read of its headers.
 */
export async function parseEmail(source: Buffer): Promise<IncomingEmail> {
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(source, { maxHtmlLengthToParse: HTML_TO_TEXT_MAX });
  } catch (error) {
    return unreadable(source, error instanceof Error ? error.message : String(error));
  }
  const from = firstAddress(parsed.from);
  const text = readableText(parsed.text ?? '');
  return {
    messageId: normalizedId(parsed.messageId),
    threadIds: threadIdsOf(parsed),
    from,
    subject: parsed.subject ?? '',
    headers: {
      from: parsed.from?.text ?? '',
      to: addressText(parsed.to),
      cc: addressText(parsed.cc),
      date:
        parsed.date && !Number.isNaN(parsed.date.getTime())
          ? parsed.date.toISOString()
          : headerText(parsed.headers.get('date')),
      subject: parsed.subject ?? '',
    },
    text,
    automatic: automaticReason(parsed),
    unreadable: parsed.headers.size === 0 && !from ? 'no headers could be read' : null,
    attachments: parsed.attachments.map((attachment, index) => ({
      name: attachment.filename ?? `attachment-${index + 1}`,
      bytes: attachment.content,
      declaredType: attachment.contentType ?? 'application/octet-stream',
    })),
  };
}

/**
 * The text as a person reads it: mailparser writes an image as its address in brackets on a line of
 * its own; a tracking pixel's address is nothing anyone wrote.
 */
export function readableText(text: string): string {
  return text
    .replace(/^\s*\[(?:https?:|cid:|data:)[^\]\s]*\]\s*$/gim, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function unreadable(source: Buffer, why: string): IncomingEmail {
  const head = source.subarray(0, 64 * 1024).toString('latin1');
  const header = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
  return {
    messageId: normalizedId(header('message-id')),
    threadIds: [],
    from: null,
    subject: header('subject'),
    headers: {
      from: header('from'),
      to: header('to'),
      cc: header('cc'),
      date: header('date'),
      subject: header('subject'),
    },
    text: source.subarray(0, 1_000_000).toString('utf8'),
    automatic: null,
    unreadable: why,
    attachments: [],
  };
}

function normalizedId(value: string | undefined): string | null {
  const id = value?.trim();
  if (!id) return null;
  return (id.startsWith('<') ? id : `<${id}>`).slice(0, 500);
}

function threadIdsOf(parsed: ParsedMail): string[] {
  const references = typeof parsed.references === 'string' ? parsed.references.split(/\s+/) : (parsed.references ?? []);
  const inReplyTo = (parsed.inReplyTo ?? '').split(/\s+/);
  const ids = [...inReplyTo, ...[...references].reverse()]
    .map((id) => normalizedId(id))
    .filter((id): id is string => id !== null);
  return [...new Set(ids)];
}

function firstAddress(from: AddressObject | undefined): { address: string; name: string } | null {
  const first =
    from?.value.find((entry) => entry.address) ??
    from?.value.flatMap((entry) => entry.group ?? []).find((entry) => entry.address);
  return first?.address ? { address: first.address, name: first.name ?? '' } : null;
}

function addressText(value: AddressObject | AddressObject[] | undefined): string {
  if (!value) return '';
  return (Array.isArray(value) ? value : [value]).map((entry) => entry.text).join(', ');
}

function headerText(value: HeaderValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null && 'value' in value && typeof value.value === 'string')
    return value.value;
  return String(value);
}

/**
 * Mail no person wrote, by the headers that say so (RFC 3834's Auto-Submitted, Precedence, the
 * X-Autoreply family, a delivery report): answering it would start a loop.
 */
function automaticReason(parsed: ParsedMail): string | null {
  const header = (name: string) => headerText(parsed.headers.get(name)).trim().toLowerCase();
  const autoSubmitted = header('auto-submitted');
  if (autoSubmitted && autoSubmitted !== 'no')
    return `an automatic message (Auto-Submitted: ${autoSubmitted.slice(0, 40)})`;
  const precedence = header('precedence');
  if (['bulk', 'junk', 'list', 'auto_reply'].includes(precedence)) return `bulk mail (Precedence: ${precedence})`;
  for (const name of ['x-autoreply', 'x-autorespond']) {
    const value = header(name);
    if (value) return `an auto-reply (${name}: ${value.slice(0, 40)})`;
  }
  const type = parsed.headers.get('content-type');
  const contentType =
    typeof type === 'object' && type !== null && 'value' in type ? String(type.value).toLowerCase() : '';
  if (contentType === 'multipart/report') return 'a delivery report (a bounce)';
  return null;
}
