import { createHash } from 'node:crypto';
import nodemailer, { type Transport, type Transporter } from 'nodemailer';
import type { Delivery } from '../store/deliveries.js';
import type { Desk } from '../tickets/desk.js';
import { commentFilesToSend, downloadFileName } from '../tickets/files.js';

/** A nodemailer transport other than SMTP (the sandbox's, which keeps what is sent in memory). */
export type MailTransport = Transport;

/**
 * How long a send may wait on the SMTP server, per step (nodemailer's defaults are 2 minutes to
 * connect, 30 s for the greeting and 10 minutes of silence): a server that accepts and never answers
 * would hold the delivery, and a shutdown waiting for it. A timed-out send throws and the delivery
 * queue tries it again later under the same Message-ID.
 */
export const SMTP_TIMEOUTS_MS = { connection: 10_000, greeting: 10_000, socket: 30_000 } as const;

/** The SMTP transport's options for SMTP_URL: the server, and no step without a timeout. */
export function smtpTransportOptions(
  url: string,
  timeouts: { connection: number; greeting: number; socket: number } = SMTP_TIMEOUTS_MS,
) {
  return {
    url,
    connectionTimeout: timeouts.connection,
    greetingTimeout: timeouts.greeting,
    socketTimeout: timeouts.socket,
  };
}

/** What deskbolt sends itself and never files again: a queued delivery that is not a person's reply. */
const AUTOMATIC_PURPOSES = new Set(['survey', 'closing note', 'pending reminder']);

/** The Message-ID a delivery goes out under: the same on every attempt, so a receiver drops a repeat; it names the ticket, so a reply finds it. */
export function messageIdOf(delivery: Pick<Delivery, 'id' | 'ticketNumber'>, domain: string): string {
  const hash = createHash('sha256').update(delivery.id).digest('hex').slice(0, 24);
  return `<deskbolt.${delivery.ticketNumber}.${hash}@${domain}>`;
}

/**
 * Sends the desk's email deliveries over SMTP (SMTP_URL) through the delivery queue: replies to email
 * requesters, surveys and closing notes. Each goes from the mailbox the ticket came in on (else the
 * ticket's group's mailbox, else MAIL_FROM), threaded under the requester's last message, with the
 * ticket number in the subject, and only what the requester is meant to read: the public comment.
 */
export class SmtpMail {
  private readonly transport: Transporter;

  constructor(
    private readonly desk: Desk,
    server: string | MailTransport,
    private readonly mailFrom: string | undefined,
  ) {
    // No file or URL access: nothing a person typed can make nodemailer read a path or fetch an address.
    this.transport = nodemailer.createTransport(typeof server === 'string' ? smtpTransportOptions(server) : server, {
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  /** The queue's email side (DeliverySenders.email): throws when the server refuses or cannot be reached, and the queue retries. */
  readonly send = async (delivery: Delivery): Promise<void> => {
    const { desk } = this;
    if (delivery.to?.kind !== 'email') throw new Error('the delivery is not for an email requester');
    const ticket = await desk.store.tickets.get(delivery.ticketNumber);
    if (!ticket) throw new Error(`#${delivery.ticketNumber} is not there`);
    const from = await this.fromOf(ticket.number, ticket.groupId, ticket.source.mailbox);
    const domain = from.address.split('@')[1] ?? 'deskbolt.invalid';
    const thread = await desk.store.email.ofTicket(ticket.number, 20);
    const inReplyTo = thread.find((record) => record.messageId)?.messageId ?? undefined;
    const references = thread
      .map((record) => record.messageId)
      .filter((id): id is string => id !== null)
      .reverse()
      .slice(-10);
    const automatic = AUTOMATIC_PURPOSES.has(delivery.purpose);
    await this.transport.sendMail({
      from,
      to: { name: delivery.to.name, address: delivery.to.email },
      subject: `[#${ticket.number}] ${ticket.subject.replace(/^\s*\[#\d+\]\s*/, '')}`,
      messageId: messageIdOf(delivery, domain),
      ...(inReplyTo ? { inReplyTo } : {}),
      ...(references.length > 0 ? { references } : {}),
      text: await this.bodyOf(delivery),
      headers: {
        'X-Deskbolt-Ticket': String(ticket.number),
        ...(automatic ? { 'Auto-Submitted': 'auto-replied' } : {}),
      },
      attachments: await this.attachmentsOf(delivery),
    });
  };

  close(): void {
    this.transport.close();
  }

  /** A reply carries the public comment's words and nothing else (never an internal note, never the card). */
  private async bodyOf(delivery: Delivery): Promise<string> {
    if (delivery.purpose === 'reply' && delivery.commentId) {
      const comment = await this.desk.store.tickets.comment(delivery.commentId);
      if (comment && comment.kind === 'public') return comment.text;
      throw new Error('the reply to send is not a public comment');
    }
    if (delivery.survey) return `${delivery.text}\n\nTell us here: ${delivery.survey.url ?? delivery.survey.path}`;
    return delivery.text;
  }

  /** A reply's files as they were stored with its comment; an internal note's never (commentFilesToSend gives only public ones). */
  private async attachmentsOf(
    delivery: Delivery,
  ): Promise<{ filename: string; content: Buffer; contentType: string }[]> {
    if (delivery.purpose !== 'reply' || !delivery.commentId) return [];
    const files = await commentFilesToSend(this.desk, delivery.commentId);
    return files.map(({ file, bytes }) => ({
      filename: downloadFileName(file.name),
      content: bytes,
      contentType: file.contentType,
    }));
  }

  private async fromOf(
    ticketNumber: number,
    groupId: number,
    mailbox: string | undefined,
  ): Promise<{ name: string; address: string }> {
    const { desk } = this;
    const mailboxes = desk.directory.workspace.email?.mailboxes ?? [];
    const named = parseFrom(this.mailFrom);
    const name = named?.name || desk.directory.workspace.name;
    const cameIn = mailbox ?? (await desk.store.email.originalOf(ticketNumber))?.mailbox;
    const address =
      mailboxes.find((box) => box.address === cameIn)?.address ??
      mailboxes.find((box) => box.group === groupId)?.address ??
      named?.address;
    if (!address) throw new Error('no mailbox of the workspace file serves this ticket, and MAIL_FROM is not set');
    return { name, address };
  }
}

/** `"Acme Support" <support@acme.example>` or a bare address. */
export function parseFrom(value: string | undefined): { name: string; address: string } | null {
  if (!value) return null;
  const angled = /^\s*"?([^"<]*?)"?\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(value);
  if (angled) return { name: angled[1]!.trim(), address: angled[2]! };
  const bare = /^\s*([^\s<>"]+@[^\s<>"]+)\s*$/.exec(value);
  return bare ? { name: '', address: bare[1]! } : null;
}
