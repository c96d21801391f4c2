import { ImapFlow } from 'imapflow';
import type { Log } from '../log.js';
import type { Desk } from '../tickets/desk.js';
import { type EmailFiling, fileIncomingEmail, type IncomingEmail, type MailboxPlace } from '../tickets/email-intake.js';
import type { Workspace } from '../workspace/schema.js';
import { parseEmail } from './parse.js';

/** A message larger than this is recorded and skipped (it stays in the mailbox), never read into memory. */
export const MESSAGE_MAX_BYTES = 40 * 1024 * 1024;
/** How long a reader holds a mailbox before another replica may take it: renewed after every message and every wait. */
const MAILBOX_HOLD_MS = 2 * 60_000;
/** A mailbox without IDLE (or a quiet one) is looked at again after this. */
const DEFAULT_POLL_MS = 60_000;
/** Waits after a failed connection, growing: a server that is down is not hammered. */
const RECONNECT_BACKOFF_MS = [5_000, 15_000, 60_000, 5 * 60_000];

/** A mailbox of the workspace file with its IMAP URL read from the environment variable it names. */
export interface MailboxAccess {
  address: string;
  group: number;
  /** The environment variable the URL came from: every message about this mailbox names it. */
  variable: string;
  imap: ImapSettings | null;
  /** Why the mailbox cannot be read (the variable is unset, or not an IMAP URL); null when it can. */
  problem: string | null;
}

export interface ImapSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  path: string;
}

/** The workspace's mailboxes, each with its URL from the environment, or the problem that keeps it from being read. */
export function mailboxesOf(workspace: Workspace, environment: Record<string, string | undefined>): MailboxAccess[] {
  return (workspace.email?.mailboxes ?? []).map((mailbox) => {
    const base = { address: mailbox.address, group: mailbox.group, variable: mailbox.imap };
    const value = environment[mailbox.imap];
    if (!value)
      return {
        ...base,
        imap: null,
        problem: `${mailbox.imap} is not set: it should hold the IMAP URL of ${mailbox.address} (imaps://user:password@host:993/INBOX)`,
      };
    const imap = imapSettingsOf(value);
    if (!imap)
      return {
        ...base,
        imap: null,
        problem: `${mailbox.imap} is not an IMAP URL (expected imaps://user:password@host:993/INBOX or imap://…:143)`,
      };
    return { ...base, imap, problem: null };
  });
}

function imapSettingsOf(value: string): ImapSettings | null {
  if (!URL.canParse(value)) return null;
  const url = new URL(value);
  if (url.protocol !== 'imap:' && url.protocol !== 'imaps:') return null;
  if (!url.hostname || !url.username) return null;
  const secure = url.protocol === 'imaps:';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(url.username),
    pass: decodeURIComponent(url.password),
    path: decodeURIComponent(url.pathname.replace(/^\/+/, '')) || 'INBOX',
  };
}

export interface MailboxRun {
  mailbox: string;
  /** False when another replica holds the mailbox (or it cannot be read: see `error`). */
  ran: boolean;
  filings: EmailFiling[];
  error?: string;
}

export interface ReaderOptions {
  owner: string;
  log: Log;
  /** Only tests set it: how long IMAP may stay silent before the connection counts as lost. */
  socketTimeoutMs?: number;
}

/**
 * Reads what is new in one mailbox once, under its lease, and lets it go: what a poll does, and what
 * tests and the bench call. A mailbox another replica holds is left alone.
 */
export async function readMailboxOnce(desk: Desk, access: MailboxAccess, options: ReaderOptions): Promise<MailboxRun> {
  if (!access.imap) return { mailbox: access.address, ran: false, filings: [], error: access.problem ?? 'no IMAP URL' };
  const lease = leaseOf(access);
  if (!(await desk.store.leases.acquire(lease, options.owner, desk.clock(), MAILBOX_HOLD_MS)))
    return { mailbox: access.address, ran: false, filings: [] };
  const client = imapClient(access.imap, options);
  // Kept outside the read: a connection lost half-way still reports what was filed before it.
  const filings: EmailFiling[] = [];
  try {
    await client.connect();
    await readNew(desk, client, access, options.owner, filings);
    return { mailbox: access.address, ran: true, filings };
  } catch (error) {
    const reason = describeImapError(access, error);
    options.log(`email: ${reason}`);
    return { mailbox: access.address, ran: true, filings, error: reason };
  } finally {
    await closeQuietly(client);
    await desk.store.leases.release(lease, options.owner).catch(() => undefined);
  }
}

/**
 * Keeps reading one mailbox while this replica holds its lease: new mail is announced by IDLE where the
 * server offers it (imapflow polls with NOOP where not), and looked for every `pollMs` whatever
 * happens. A dropped connection is reconnected with backoff; a refused login is said once, naming the
 * variable, and tried again later: a wrong password never stops the desk.
 */
export class MailboxWatcher {
  private stopped = false;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastProblem: string | null = null;
  /** Set by the server's news while a read is under way: the next pause does not wait. */
  private news = false;

  constructor(
    private readonly desk: Desk,
    private readonly access: MailboxAccess,
    private readonly options: ReaderOptions & { pollMs?: number },
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { desk, access, options } = this;
    const lease = leaseOf(access);
    const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    let failures = 0;
    while (!this.stopped && access.imap) {
      if (!(await desk.store.leases.acquire(lease, options.owner, desk.clock(), MAILBOX_HOLD_MS).catch(() => false))) {
        await this.pause(pollMs);
        continue;
      }
      const client = imapClient(access.imap, options);
      let lost = false;
      client.on('error', () => undefined);
      client.on('close', () => {
        lost = true;
        this.wake?.();
      });
      try {
        await client.connect();
        if (this.lastProblem) options.log(`email: ${access.address}: reading again`);
        this.lastProblem = null;
        failures = 0;
        client.on('exists', () => {
          this.news = true;
          this.wake?.();
        });
        while (!this.stopped && !lost) {
          this.news = false;
          await readNew(desk, client, access, options.owner, []);
          if (!(await desk.store.leases.renew(lease, options.owner, desk.clock(), MAILBOX_HOLD_MS))) break;
          // IDLE at once (imapflow's own would wait 15 s): the server's EXISTS wakes the pause. The next command ends it.
          void client.idle().catch(() => undefined);
          await this.pause(pollMs);
        }
      } catch (error) {
        const reason = describeImapError(access, error);
        // Said once while it lasts: a log line a minute about the same wrong password helps nobody.
        if (reason !== this.lastProblem) options.log(`email: ${reason}`);
        this.lastProblem = reason;
        this.news = false;
        failures += 1;
      } finally {
        await closeQuietly(client);
        await desk.store.leases.release(lease, options.owner).catch(() => undefined);
      }
      if (failures > 0) await this.pause(RECONNECT_BACKOFF_MS[Math.min(failures, RECONNECT_BACKOFF_MS.length) - 1]!);
    }
  }

  /** Real time: a watcher waits for the server, and is woken early by new mail, a lost connection or stop(). */
  private pause(ms: number): Promise<void> {
    if (this.stopped || this.news) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const wake = () => done();
      this.wake = wake;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}

function leaseOf(access: MailboxAccess): string {
  return `mailbox:${access.address.toLowerCase()}`;
}

function imapClient(imap: ImapSettings, options: ReaderOptions): ImapFlow {
  return new ImapFlow({
    host: imap.host,
    port: imap.port,
    secure: imap.secure,
    auth: { user: imap.user, pass: imap.pass },
    logger: false,
    connectionTimeout: 30_000,
    greetingTimeout: 16_000,
    ...(options.socketTimeoutMs ? { socketTimeout: options.socketTimeoutMs } : {}),
  });
}

/**
 * Everything above the mailbox's cursor (the highest UID handled, per UIDVALIDITY), oldest first. Each
 * message is filed, and only then flagged \Seen and the cursor moved past it: a crash in between reads
 * it again, and its record (claimed under its Message-ID) makes that read file nothing twice.
 */
async function readNew(
  desk: Desk,
  client: ImapFlow,
  access: MailboxAccess,
  owner: string,
  filings: EmailFiling[],
): Promise<EmailFiling[]> {
  const lock = await client.getMailboxLock(access.imap!.path);
  try {
    const mailbox = client.mailbox;
    if (!mailbox) return filings;
    const uidValidity = Number(mailbox.uidValidity);
    const cursor = await desk.store.email.cursor(access.address, uidValidity);
    // "n:*" always names the newest message, even one below n: hence the filter.
    const found = (await client.search({ uid: `${cursor + 1}:*` }, { uid: true })) || [];
    const uids = found.filter((uid) => uid > cursor).sort((a, b) => a - b);
    for (const uid of uids) {
      if (!(await desk.store.leases.renew(leaseOf(access), owner, desk.clock(), MAILBOX_HOLD_MS))) break;
      const sized = await client.fetchOne(String(uid), { size: true }, { uid: true });
      if (!sized) continue;
      const email =
        (sized.size ?? 0) > MESSAGE_MAX_BYTES
          ? await tooLarge(client, uid, sized.size ?? 0)
          : await readMessage(client, uid);
      if (!email) continue;
      const place: MailboxPlace = { address: access.address, group: access.group, uidValidity, uid };
      const filing = await fileIncomingEmail(desk, place, email, owner);
      filings.push(filing);
      // Another reader is filing it: the cursor stays below it, so it is looked at again.
      if (filing.outcome === 'busy') break;
      await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      await desk.store.email.advanceCursor(access.address, uidValidity, uid);
    }
  } finally {
    lock.release();
  }
  return filings;
}

async function readMessage(client: ImapFlow, uid: number): Promise<IncomingEmail | null> {
  const message = await client.fetchOne(String(uid), { source: true }, { uid: true });
  return message === false || !message.source ? null : parseEmail(message.source);
}

/** Only the headers of a message too large to read, so it is recorded (and found in the mailbox) with its reason. */
async function tooLarge(client: ImapFlow, uid: number, size: number): Promise<IncomingEmail | null> {
  const message = await client.fetchOne(String(uid), { headers: true }, { uid: true });
  if (!message) return null;
  const parsed = await parseEmail(Buffer.concat([message.headers ?? Buffer.alloc(0), Buffer.from('\r\n')]));
  const megabytes = Math.round(size / 1024 / 1024);
  return {
    ...parsed,
    unreadable: `${megabytes} MB, more than the ${MESSAGE_MAX_BYTES / 1024 / 1024} MB deskbolt reads`,
    attachments: [],
  };
}

/** What went wrong with a mailbox, naming the variable its URL came from (never the password). */
export function describeImapError(access: MailboxAccess, error: unknown): string {
  const failure = error as { authenticationFailed?: boolean; code?: string; message?: string; responseText?: string };
  const where = access.imap ? `${access.imap.host}:${access.imap.port}` : 'the server';
  if (failure?.authenticationFailed) {
    return `${access.address}: the IMAP server ${where} refused the user and password in ${access.variable}${failure.responseText ? ` (${failure.responseText.slice(0, 120)})` : ''}; the mailbox is not read until ${access.variable} is fixed`;
  }
  const message = (failure?.message ?? String(error)).slice(0, 200);
  return `${access.address}: reading the mailbox in ${access.variable} (${where}) failed: ${failure?.code ? `${failure.code} ` : ''}${message}; trying again`;
}

async function closeQuietly(client: ImapFlow): Promise<void> {
  if (!client.usable) {
    client.close();
    return;
  }
  await client.logout().catch(() => client.close());
}
