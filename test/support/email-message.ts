import { randomBytes } from 'node:crypto';

/** A message as a mail client writes it; every header can be given or left out. */
export function emailMessage(fields: {
  from?: string | null;
  to?: string;
  subject?: string;
  messageId?: string | null;
  inReplyTo?: string;
  references?: string;
  headers?: Record<string, string>;
  text?: string;
  html?: string;
  date?: string;
}): string {
  const lines: string[] = [];
  if (fields.from !== null) lines.push(`From: ${fields.from ?? '"Rita Requester" <rita@customer.example>'}`);
  lines.push(`To: ${fields.to ?? 'support@acme.example'}`);
  lines.push(`Subject: ${fields.subject ?? 'Card charged twice'}`);
  lines.push(`Date: ${fields.date ?? 'Mon, 02 Nov 2026 09:00:00 +0000'}`);
  if (fields.messageId !== null)
    lines.push(`Message-ID: ${fields.messageId ?? `<${randomBytes(6).toString('hex')}@customer.example>`}`);
  if (fields.inReplyTo) lines.push(`In-Reply-To: ${fields.inReplyTo}`);
  if (fields.references) lines.push(`References: ${fields.references}`);
  for (const [name, value] of Object.entries(fields.headers ?? {})) lines.push(`${name}: ${value}`);
  lines.push('MIME-Version: 1.0');
  if (fields.html !== undefined) {
    lines.push('Content-Type: text/html; charset=utf-8', '', fields.html);
  } else {
    lines.push(
      'Content-Type: text/plain; charset=utf-8',
      '',
      fields.text ?? 'My card was charged twice for order 1042.',
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
