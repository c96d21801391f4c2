import { randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { MailTransport } from '../email/outgoing.js';
import { parseEmail } from '../email/parse.js';
import type { Desk } from '../tickets/desk.js';
import { type EmailFiling, fileIncomingEmail } from '../tickets/email-intake.js';
import type { Workspace } from '../workspace/schema.js';
import type { WireMail } from './wire.js';

/** The sandbox's made-up mailbox when the workspace file has none: its IMAP variable is never read. */
export const SANDBOX_MAILBOX_VARIABLE = 'SANDBOX_SUPPORT_IMAP_URL';

/**
 * The workspace as the sandbox runs it: with a mailbox to write to. The file's first mailbox is used
 * when it has one; else support@ of a made-up domain, filing in the first group.
 */
export function withSandboxMailbox(workspace: Workspace): {
  workspace: Workspace;
  address: string;
  group: number;
  madeUp: boolean;
} {
  const first = workspace.email?.mailboxes[0];
  if (first) return { workspace, address: first.address, group: first.group, madeUp: false };
  const group = workspace.groups[0]!.id;
  const domain = `${
    workspace.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'desk'
  }.example`;
  const address = `support@${domain}`;
  const email = {
    newTicketsPerSenderPerHour: 20,
    ...workspace.email,
    mailboxes: [{ address, group, imap: SANDBOX_MAILBOX_VARIABLE }],
  };
  return { workspace: { ...workspace, email }, address, group, madeUp: true };
}

/**
 * The sandbox's mail, with no mail server: what a requester writes is built as MIME, parsed by the
 * same parser and filed by the same intake a mailbox reader uses (so threading, the quote cut and loop
 * rules act as on real mail); what the desk sends goes through its own SMTP path into a nodemailer
 * transport that keeps each message, parsed back, for the page.
 */
export class SandboxMail {
  private messages: WireMail[] = [];
  /** Messages are filed by Message-ID; the UID only names them when that is missing, so a counter per run is enough. */
  private readonly uidValidity = Math.floor(Date.now() / 1000);
  private uid = 0;
  private desk: { desk: Desk; owner: string; settled: () => Promise<void> } | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly address: string,
    readonly group: number,
  ) {}

  /** Given once the app runs: what intake files with. */
  attach(desk: Desk, owner: string, settled: () => Promise<void>): void {
    this.desk = { desk, owner, settled };
  }

  readonly transport: MailTransport = {
    name: 'deskbolt-sandbox',
    version: '1',
    send: (mail, callback) => {
      void this.keepSent(mail.message.createReadStream()).then(
        (info) => callback(null, info as never),
        (error: Error) => callback(error, undefined as never),
      );
    },
  };

  /** A requester's message to the support address, filed as if a mailbox reader had just read it. */
  async write(
    from: { name: string; address: string },
    mail: { subject: string; text: string; inReplyTo?: string | undefined },
  ): Promise<EmailFiling> {
    if (!this.desk) throw new Error('the sandbox is still starting');
    const domain = from.address.split('@')[1] ?? 'customer.example';
    const replied = mail.inReplyTo ? this.messages.find((message) => message.messageId === mail.inReplyTo) : undefined;
    const references = replied ? [...replied.references, replied.messageId] : [];
    const source = await new MailComposer({
      from,
      to: this.address,
      subject: mail.subject,
      text: mail.text,
      messageId: `<${randomUUID()}@${domain}>`,
      date: this.desk.desk.clock(),
      ...(replied ? { inReplyTo: replied.messageId, references } : {}),
    })
      .compile()
      .build();
    this.messages.push(await wireOf(source, 'sent'));
    for (const listener of this.listeners) listener();
    this.uid += 1;
    const { desk, owner, settled } = this.desk;
    const filing = await fileIncomingEmail(
      desk,
      { address: this.address, group: this.group, uidValidity: this.uidValidity, uid: this.uid },
      await parseEmail(source),
      owner,
    );
    await settled();
    return filing;
  }

  /** One person's mail, oldest first: what they sent and what was sent to them. */
  mailOf(address: string): WireMail[] {
    const own = address.toLowerCase();
    return this.messages.filter(
      (message) => (message.box === 'sent' ? message.from.address : message.to).toLowerCase() === own,
    );
  }

  reset(): void {
    this.messages = [];
  }

  /** Told when a message is written or sent: open pages look again. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async keepSent(stream: NodeJS.ReadableStream): Promise<{ messageId: string }> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
    const message = await wireOf(Buffer.concat(chunks), 'inbox');
    this.messages.push(message);
    for (const listener of this.listeners) listener();
    return { messageId: message.messageId };
  }
}

async function wireOf(source: Buffer, box: WireMail['box']): Promise<WireMail> {
  const parsed = await simpleParser(source);
  const references = typeof parsed.references === 'string' ? [parsed.references] : (parsed.references ?? []);
  const header = (name: string) => {
    const value = parsed.headers.get(name);
    return typeof value === 'string' ? value : '';
  };
  return {
    box,
    messageId: parsed.messageId ?? '',
    inReplyTo: parsed.inReplyTo ?? null,
    references,
    from: { name: parsed.from?.value[0]?.name ?? '', address: parsed.from?.value[0]?.address ?? '' },
    to: (Array.isArray(parsed.to) ? parsed.to[0] : parsed.to)?.value[0]?.address ?? '',
    subject: parsed.subject ?? '',
    date: (parsed.date ?? new Date()).toISOString(),
    text: parsed.text ?? '',
    autoSubmitted: header('auto-submitted') || null,
  };
}
