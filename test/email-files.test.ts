import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionIds, replyFields } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { takeTicket } from '../src/tickets/take.js';
import type { Ticket } from '../src/tickets/types.js';
import { type SmtpSink, startSmtpSink, type TestMailbox, testMailbox } from './support/email.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people, testWorkspace } from './support/workspace.js';

const SUPPORT = 'files@acme.example';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A message with attachments as a mail client writes it (nodemailer's own MIME composer). */
async function mailWith(
  subject: string,
  attachments: { filename: string; content: Buffer; contentType: string }[],
  extra: { inReplyTo?: string } = {},
): Promise<Buffer> {
  return new MailComposer({
    from: '"Rita Requester" <rita@customer.example>',
    to: SUPPORT,
    subject,
    text: 'Please see the attached.',
    attachments,
    ...extra,
  })
    .compile()
    .build();
}

/**
 * Email's attachments go to the files store, and an agent's reply files go out as attachments of the
 * reply mail: through the real Dovecot and SMTP servers, the real Bolt app and the fake Slack.
 */
describe('email and files', () => {
  let desk: TestDesk;
  let mailbox: TestMailbox;
  let smtp: SmtpSink;
  let origin: string;

  beforeAll(async () => {
    mailbox = testMailbox('files');
    smtp = await startSmtpSink();
    desk = await startTestDesk({
      workspace: testWorkspace({
        email: { mailboxes: [{ address: SUPPORT, group: 10, imap: mailbox.variable }] },
        files: { maxFileMb: 1, maxFilesPerMessage: 10, maxTicketMb: 100 },
      }),
      config: { smtpUrl: smtp.url, mailFrom: '"Acme Support" <help@acme.example>' },
    });
    origin = `http://127.0.0.1:${desk.deskbolt.port}`;
  });
  afterAll(async () => {
    await desk?.close();
    await smtp?.close();
  });

  const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

  async function filed(message: Buffer): Promise<Ticket> {
    await mailbox.deliver(message);
    const [run] = await desk.deskbolt.email.readNow();
    expect(run!.error).toBeUndefined();
    const [filing] = run!.filings;
    expect(filing?.outcome).toBe('ticket');
    return (await desk.store.tickets.get((filing as { ticketNumber: number }).ticketNumber))!;
  }

  async function cardLinks(viewer: string, number: number): Promise<{ card: string; links: string[] }> {
    await desk.slack.command(viewer, '/ticket', `show ${number}`);
    await desk.settled();
    const card = JSON.stringify(desk.fake.responses().at(-1)!.body.blocks);
    return {
      card,
      links: [...card.matchAll(/<(\/files\/[^|>]+)\|/g)].map((match) =>
        match[1]!.replace(/\\u0026/g, '&').replace(/&amp;/g, '&'),
      ),
    };
  }

  async function reply(number: number, answers: Record<string, unknown>) {
    await desk.slack.blockAction(people.ana, { action_id: actionIds.reply, value: String(number) });
    await desk.settled();
    const view = desk.fake.view(desk.fake.okCalls('views.open').at(-1)!.response.view.id)!;
    await desk.slack.viewSubmission(people.ana, {
      id: view.id,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, answers),
    });
    await desk.settled();
  }

  it('an email’s PDF is kept with its ticket: the card lists it with a download link that serves the same bytes', async () => {
    const ticket = await filed(
      await mailWith('Invoice is wrong', [
        { filename: 'invoice 1042.pdf', content: PDF, contentType: 'application/octet-stream' },
      ]),
    );
    const files = await desk.store.files.ofTicket(ticket.number);
    expect(files.map((file) => [file.commentId, file.name, file.contentType, file.size, file.visibility])).toEqual([
      [`opening:${ticket.number}`, 'invoice 1042.pdf', 'application/pdf', PDF.length, 'public'],
    ]);

    const { card, links } = await cardLinks(people.ana, ticket.number);
    expect(card).toContain('invoice 1042.pdf');
    expect(links).toHaveLength(1);
    const download = await fetch(`${origin}${links[0]}`);
    expect(download.status).toBe(200);
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(PDF));
  });

  it('an attachment over the limit is refused with the reason on the ticket; the mail is filed and its other files kept, and a reply’s files go with its comment', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 7);
    const ticket = await filed(
      await mailWith('Logs attached', [
        { filename: 'huge.log', content: big, contentType: 'text/plain' },
        { filename: 'steps.txt', content: Buffer.from('Open the app, then tap Pay.'), contentType: 'text/plain' },
      ]),
    );
    expect((await desk.store.files.ofTicket(ticket.number)).map((file) => file.name)).toEqual(['steps.txt']);
    const note = (await desk.store.tickets.comments(ticket.number)).find(
      (comment) => comment.id === `refused-files:opening:${ticket.number}`,
    );
    expect(note).toMatchObject({
      kind: 'internal',
      text: expect.stringContaining('“huge.log” was not kept: it is 2.0 MB, and a file can be at most 1 MB.'),
    });

    // A reply in the thread with a file: kept with the reply's comment.
    const record = (await desk.store.email.ofTicket(ticket.number))[0]!;
    await mailbox.deliver(
      await mailWith('Re: Logs attached', [{ filename: 'screen.pdf', content: PDF, contentType: 'application/pdf' }], {
        inReplyTo: record.messageId!,
      }),
    );
    const [run] = await desk.deskbolt.email.readNow();
    const [filing] = run!.filings;
    expect(filing).toMatchObject({ outcome: 'comment', ticketNumber: ticket.number });
    const replyFiles = (await desk.store.files.ofTicket(ticket.number)).filter(
      (file) => file.commentId === (filing as { commentId: string }).commentId,
    );
    expect(replyFiles.map((file) => [file.name, file.sha256])).toEqual([['screen.pdf', sha256(PDF)]]);
  });

  it('an agent’s reply file reaches the email requester as an attachment of the reply mail; an internal note’s file never does', async () => {
    const ticket = await filed(await mailWith('VPN setup', []));
    await takeTicket(desk.deskbolt.desk, { number: ticket.number, agent: people.ana });
    const guide = Buffer.from('%PDF-1.4\n% the VPN guide\n%%EOF\n');
    desk.fake.addFile({
      id: 'FMAILGD01',
      name: 'vpn-guide.pdf',
      mimetype: 'application/pdf',
      filetype: 'pdf',
      size: guide.length,
      user: people.ana,
      content: guide,
    });
    desk.fake.addFile({
      id: 'FMAILNT01',
      name: 'internal-ledger.txt',
      mimetype: 'text/plain',
      filetype: 'text',
      size: 14,
      user: people.ana,
      content: Buffer.from('ledger entries'),
    });
    const before = smtp.received.length;

    await reply(ticket.number, {
      [replyFields.kind]: 'internal',
      [replyFields.text]: 'Old client',
      [replyFields.status]: 'open',
      [replyFields.files]: [desk.fake.slackFile('FMAILNT01')],
    });
    desk.clock.advance(60_000);
    await reply(ticket.number, {
      [replyFields.kind]: 'public',
      [replyFields.text]: 'Here is the guide',
      [replyFields.status]: 'pending',
      [replyFields.files]: [desk.fake.slackFile('FMAILGD01')],
    });
    await smtp.receivedCount(before + 1);
    const sent = smtp.received.slice(before);
    expect(sent).toHaveLength(1);
    const mail = sent[0]!;
    expect(mail.text?.trim()).toBe('Here is the guide');
    expect(mail.attachments.map((file) => [file.filename, file.contentType, sha256(file.content)])).toEqual([
      ['vpn-guide.pdf', 'application/pdf', sha256(guide)],
    ]);
    expect(mail.raw).not.toContain('internal-ledger');
    expect(mail.raw).not.toContain('ledger entries');
    expect((await desk.store.files.ofTicket(ticket.number)).map((file) => [file.name, file.visibility])).toEqual([
      ['internal-ledger.txt', 'internal'],
      ['vpn-guide.pdf', 'public'],
    ]);
  });
});
