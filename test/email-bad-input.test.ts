import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionIds } from '../blocks/ids.js';
import { emailMessage, type TestMailbox, testMailbox } from './support/email.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people, testWorkspace } from './support/workspace.js';

const SUPPORT = 'support@acme.example';

/**
 * What the issue lists as bad input, through the real IMAP server: each message is handled (filed or
 * recorded with its reason), nothing is lost, nothing is filed twice, and nothing pings in Slack.
 */
describe('bad mail and bad mailboxes', () => {
  let desk: TestDesk;
  let mailbox: TestMailbox;
  const logs: string[] = [];

  beforeAll(async () => {
    mailbox = testMailbox('badinput');
    process.env.IMAP_WRONG_PASSWORD = mailbox.url.replace(`:${mailbox.password}@`, ':not-the-password@');
    delete process.env.IMAP_NEVER_SET;
    desk = await startTestDesk({
      logs,
      workspace: testWorkspace({
        email: {
          mailboxes: [
            { address: SUPPORT, group: 10, imap: mailbox.variable },
            { address: 'billing@acme.example', group: 10, imap: 'IMAP_WRONG_PASSWORD' },
            { address: 'payops@acme.example', group: 20, imap: 'IMAP_NEVER_SET' },
          ],
        },
      }),
    });
  });
  afterAll(() => desk?.close());

  async function read(...messages: (string | Buffer)[]) {
    for (const message of messages) await mailbox.deliver(message);
    const runs = await desk.deskbolt.email.readNow();
    const run = runs.find((entry) => entry.mailbox === SUPPORT)!;
    expect(run.error).toBeUndefined();
    return run.filings;
  }

  it('wrong credentials and an unset variable: a clear message naming the variable, and the desk keeps running', async () => {
    expect(
      logs.some((line) => line.includes('payops@acme.example') && line.includes('IMAP_NEVER_SET is not set')),
    ).toBe(true);
    const runs = await desk.deskbolt.email.readNow();
    const wrong = runs.find((run) => run.mailbox === 'billing@acme.example')!;
    expect(wrong.error).toContain('refused the user and password in IMAP_WRONG_PASSWORD');
    expect(wrong.error).not.toContain('not-the-password');
    expect(logs.some((line) => line.includes('IMAP_WRONG_PASSWORD'))).toBe(true);
    expect(runs.find((run) => run.mailbox === 'payops@acme.example')!.error).toContain('IMAP_NEVER_SET is not set');
    // The good mailbox is read all the same.
    const [filing] = await read(emailMessage({ subject: 'Still reading' }));
    expect(filing!.outcome).toBe('ticket');
  });

  it('no From is recorded with its reason; a forged From with a broadcast in its name files a ticket that pings no one', async () => {
    desk.fake.clearCalls();
    const [noFrom, forged] = await read(
      emailMessage({ from: null, subject: 'Nobody sent this' }),
      emailMessage({
        from: '"<!channel> @here <@UVICTIM01>" <eve@customer.example>',
        subject: '<!everyone> urgent & <b>now</b>',
        text: 'Hi <!here> team, <@UANA0001> please',
      }),
    );
    expect(noFrom).toMatchObject({ outcome: 'skipped', reason: 'no sender address (no From)' });
    expect(forged!.outcome).toBe('ticket');
    const ticket = (await desk.store.tickets.get((forged as { ticketNumber: number }).ticketNumber))!;
    expect(ticket.requester).toMatchObject({ email: 'eve@customer.example', name: '<!channel> @here <@UVICTIM01>' });
    expect(ticket.subject).toBe('<!everyone> urgent & <b>now</b>');
    await desk.slack.command(people.ana, '/ticket', `show ${ticket.number}`);
    await desk.slack.blockAction(people.ana, { action_id: actionIds.viewOriginal, value: `${ticket.number}:0` });
    await desk.settled();
    expect(desk.fake.okCalls().length).toBeGreaterThan(0);
    expect(desk.fake.unintendedPings()).toEqual([]);
  });

  it('malformed MIME, a 10,000-character subject and HTML with scripts and tracking images are each filed readably', async () => {
    const malformed = [
      'From: Mallory <mallory@customer.example>',
      'Subject: =?utf-8?B?broken-base64?=',
      'Message-ID: <malformed@customer.example>',
      'Content-Type: multipart/mixed; boundary="never-closed"',
      'Garbage header without a colon',
      '',
      '--never-closed',
      'Content-Type: text/plain; charset=x-unknown-charset',
      'Content-Transfer-Encoding: base64',
      '',
      '!!!not base64!!!',
      '--never-closed',
      'Content-Type: text/plain',
      '',
      'The readable part.',
      '',
    ].join('\r\n');
    const longSubject = 'S'.repeat(10_000);
    const html =
      '<html><head><script>alert("x")</script><style>p{}</style></head><body><p>Hello <b>desk</b></p><img src="https://track.customer.example/pixel.gif?u=1" width="1" height="1"><p>Order 1042</p></body></html>';
    const [bad, long, page] = await read(
      malformed,
      emailMessage({ subject: longSubject }),
      emailMessage({ subject: 'HTML only', html }),
    );

    expect(bad!.outcome).toBe('ticket');
    const badTicket = (await desk.store.tickets.get((bad as { ticketNumber: number }).ticketNumber))!;
    expect(badTicket.description).toContain('The readable part.');

    const longTicket = (await desk.store.tickets.get((long as { ticketNumber: number }).ticketNumber))!;
    expect(longTicket.subject.length).toBeLessThanOrEqual(150);
    const record = await desk.store.email.originalOf(longTicket.number);
    expect(record!.headers.subject).toBe(longSubject);

    const pageTicket = (await desk.store.tickets.get((page as { ticketNumber: number }).ticketNumber))!;
    expect(pageTicket.description).toContain('Hello desk');
    expect(pageTicket.description).toContain('Order 1042');
    expect(pageTicket.description).not.toContain('alert');
    expect(pageTicket.description).not.toContain('track.customer.example');
    expect((await mailbox.messages()).every((message) => message.seen)).toBe(true);
  });

  it('a 25 MB message is filed, its attachment noted by name, size and type', async () => {
    const bytes = Buffer.alloc(25 * 1024 * 1024, 7);
    const raw = Buffer.concat([
      Buffer.from(
        [
          'From: Rita <rita@customer.example>',
          'Subject: Big scan',
          'Message-ID: <big-scan@customer.example>',
          'MIME-Version: 1.0',
          'Content-Type: multipart/mixed; boundary="b"',
          '',
          '--b',
          'Content-Type: text/plain',
          '',
          'The scan is attached.',
          '--b',
          'Content-Type: application/pdf; name="scan.pdf"',
          'Content-Disposition: attachment; filename="scan.pdf"',
          'Content-Transfer-Encoding: base64',
          '',
          '',
        ].join('\r\n'),
      ),
      Buffer.from(bytes.toString('base64').replace(/.{76}/g, '$&\r\n')),
      Buffer.from('\r\n--b--\r\n'),
    ]);
    const [filing] = await read(raw);
    expect(filing!.outcome).toBe('ticket');
    const record = await desk.store.email.get('mid:<big-scan@customer.example>');
    expect(record!.attachments).toEqual([{ name: 'scan.pdf', size: bytes.length, type: 'application/pdf' }]);
  }, 120_000);

  it('an IMAP connection dropped half-way loses nothing and doubles nothing: the next read files the rest', async () => {
    // A mailbox of its own: what this desk files, the file's main desk must never meet in its own mailbox
    // (the tests run shuffled, and a message filed here would read there as a duplicate).
    const dropping = testMailbox('dropped');
    const proxy = await DroppingProxy.start(dropping.url);
    process.env.IMAP_THROUGH_PROXY = proxy.url;
    const flaky = await startTestDesk({
      store: desk.store,
      fake: desk.fake,
      clock: desk.clock,
      logs,
      workspace: testWorkspace({
        email: { mailboxes: [{ address: 'flaky@acme.example', group: 10, imap: 'IMAP_THROUGH_PROXY' }] },
      }),
    });
    try {
      // Read what is there first, so this test counts only its own messages.
      await flaky.deskbolt.email.readNow();
      for (let i = 0; i < 3; i++) await dropping.deliver(emailMessage({ subject: `Dropped ${i}` }));
      proxy.dropAtFetch(2);
      const [cut] = await flaky.deskbolt.email.readNow();
      expect(cut!.error).toBeDefined();
      expect(cut!.filings.map((filing) => filing.outcome)).toEqual(['ticket']);
      const [rest] = await flaky.deskbolt.email.readNow();
      expect(rest!.error).toBeUndefined();
      expect(rest!.filings.map((filing) => filing.outcome)).toEqual(['ticket', 'ticket']);
      const subjects = (
        await desk.store.tickets.ofRequester({ kind: 'email', email: 'rita@customer.example', name: 'Rita' }, 200)
      ).map((ticket) => ticket.subject);
      expect(subjects.filter((subject) => subject.startsWith('Dropped')).sort()).toEqual([
        'Dropped 0',
        'Dropped 1',
        'Dropped 2',
      ]);
    } finally {
      await flaky.close();
      await proxy.close();
    }
  });
});

/** A TCP proxy in front of Dovecot that cuts the connection when the client asks for a message's body for the n-th time. */
class DroppingProxy {
  private fetchesLeft = Number.POSITIVE_INFINITY;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<DroppingProxy> {
    const upstream = new URL(target);
    let proxy: DroppingProxy | null = null;
    const server = createServer((client) => {
      const backend = connect(Number(upstream.port), upstream.hostname);
      proxy!.sockets.add(client).add(backend);
      client.on('data', (data: Buffer) => {
        if (/BODY(\.PEEK)?\[\]/i.test(data.toString('latin1'))) {
          proxy!.fetchesLeft -= 1;
          if (proxy!.fetchesLeft === 0) {
            client.destroy();
            backend.destroy();
            return;
          }
        }
        backend.write(data);
      });
      backend.on('data', (data: Buffer) => client.write(data));
      const end = () => {
        client.destroy();
        backend.destroy();
      };
      client.on('close', end).on('error', end);
      backend.on('close', end).on('error', end);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const url = new URL(target);
    url.port = String(port);
    proxy = new DroppingProxy(server, url.toString());
    return proxy;
  }

  dropAtFetch(n: number): void {
    this.fetchesLeft = n;
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
