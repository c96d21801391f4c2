import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ImapFlow } from 'imapflow';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { inject } from 'vitest';
import { addMailboxUser } from './dovecot.js';

export { emailMessage } from './email-message.js';

/**
 * A mailbox of its own on the run's Dovecot (test/support/dovecot.ts) for one test file or test: the
 * URL deskbolt reads, set in an environment variable of its own as a team would, and a way to deliver
 * mail into it (IMAP APPEND, as a mail server's delivery would leave it).
 */
export interface TestMailbox {
  user: string;
  password: string;
  url: string;
  /** The environment variable holding `url`: what the workspace file's `imap` names. */
  variable: string;
  deliver(message: string | Buffer): Promise<number>;
  /** The messages as the server holds them now: uid and flags. */
  messages(): Promise<{ uid: number; seen: boolean }[]>;
}

export function testMailbox(label = 'box'): TestMailbox {
  const server = inject('imapServer');
  const user = `${label
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 12)}${randomBytes(4).toString('hex')}`;
  const password = randomBytes(8).toString('hex');
  addMailboxUser(server.passwdDir, server.mailRoot, user, password);
  const url = `imap://${user}:${password}@${server.host}:${server.port}/INBOX`;
  const variable = `IMAP_${user.toUpperCase()}`;
  process.env[variable] = url;
  const client = () =>
    new ImapFlow({
      host: server.host,
      port: server.port,
      secure: false,
      auth: { user, pass: password },
      logger: false,
    });
  return {
    user,
    password,
    url,
    variable,
    async deliver(message) {
      const imap = client();
      await imap.connect();
      try {
        const appended = await imap.append('INBOX', message);
        return appended ? Number(appended.uid) : 0;
      } finally {
        await imap.logout();
      }
    },
    async messages() {
      const imap = client();
      await imap.connect();
      const lock = await imap.getMailboxLock('INBOX');
      try {
        const found: { uid: number; seen: boolean }[] = [];
        if (imap.mailbox && imap.mailbox.exists === 0) return found;
        for await (const message of imap.fetch('1:*', { uid: true, flags: true }))
          found.push({ uid: message.uid, seen: message.flags?.has('\\Seen') ?? false });
        return found;
      } finally {
        lock.release();
        await imap.logout();
      }
    },
  };
}

/** An SMTP server that keeps what it receives, as parsed mail, and can be told to refuse (a 451, as a server that is busy). */
export interface SmtpSink {
  url: string;
  received: (ParsedMail & { raw: string })[];
  /** The next `count` messages are refused with a temporary failure. */
  refuseNext(count: number): void;
  /** Resolves when `count` messages in all have arrived. */
  receivedCount(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const received: SmtpSink['received'] = [];
  let refusals = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (refusals > 0) {
          refusals -= 1;
          const error = new Error('Mailbox busy, try again later') as Error & { responseCode: number };
          error.responseCode = 451;
          return callback(error);
        }
        const raw = Buffer.concat(chunks);
        void simpleParser(raw).then((parsed) => {
          received.push(Object.assign(parsed, { raw: raw.toString('utf8') }));
          for (const waiter of waiters.filter((w) => received.length >= w.count)) waiter.resolve();
          callback();
        });
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    refuseNext(count) {
      refusals = count;
    },
    receivedCount(count) {
      return received.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
