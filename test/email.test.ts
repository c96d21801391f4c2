import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionIds, replyFields } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import { mergeTickets } from '../src/tickets/merge.js';
import { replyToTicket } from '../src/tickets/reply.js';
import { takeTicket } from '../src/tickets/take.js';
import type { Ticket } from '../src/tickets/types.js';
import { chatSteps } from './support/chats.js';
import { emailMessage, type SmtpSink, startSmtpSink, type TestMailbox, testMailbox } from './support/email.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people, testWorkspace } from './support/workspace.js';

const SUPPORT = 'support@acme.example';
const ADMIN_KEY = 'dk_live_admin_0123456789abcdef';
const TEAM_KEY = 'dk_live_team_0123456789abcdef';
const hashOf = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * Email through real servers: requesters' mail is APPENDed into a Dovecot mailbox and read over IMAP;
 * agents' replies arrive at a real SMTP server. Nothing of imapflow or nodemailer is stood in for.
 */
describe('email, read from a mailbox and answered over SMTP', () => {
  let desk: TestDesk;
  let mailbox: TestMailbox;
  let smtp: SmtpSink;

  beforeAll(async () => {
    mailbox = testMailbox('support');
    smtp = await startSmtpSink();
    desk = await startTestDesk({
      workspace: testWorkspace({
        email: { mailboxes: [{ address: SUPPORT, group: 10, imap: mailbox.variable }] },
        apiKeys: [
          { name: 'admin', sha256: hashOf(ADMIN_KEY), access: 'read', scope: 'all' },
          { name: 'team', sha256: hashOf(TEAM_KEY), access: 'read', scope: { groups: [10] } },
        ],
      }),
      config: { smtpUrl: smtp.url, mailFrom: '"Acme Support" <help@acme.example>' },
    });
  });
  afterAll(async () => {
    await desk?.close();
    await smtp?.close();
  });

  const desk$ = () => desk.deskbolt.desk;
  async function deliverAndRead(...messages: string[]) {
    for (const message of messages) await mailbox.deliver(message);
    const [run] = await desk.deskbolt.email.readNow();
    expect(run!.error).toBeUndefined();
    return run!.filings;
  }
  async function ticketOf(filing: { outcome: string; ticketNumber?: number | null } | undefined): Promise<Ticket> {
    expect(filing?.outcome).toBe('ticket');
    return (await desk.store.tickets.get(filing!.ticketNumber!))!;
  }
  async function agentReplies(ticket: Ticket, text: string, status: 'open' | 'pending' | 'solved' = 'pending') {
    await desk.slack.blockAction(people.ana, { action_id: actionIds.reply, value: String(ticket.number) });
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.response.view;
    await desk.slack.viewSubmission(people.ana, {
      id: view.id,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, {
        [replyFields.text]: text,
        [replyFields.status]: status,
        [replyFields.rootCause]: 'Card declined',
        [replyFields.category]: 'Payments',
        [replyFields.subcategory]: 'Refund',
      }),
    });
    await desk.settled();
  }

  it('a new thread files a ticket for the email requester in the mailbox’s group, and marks the message only once it is stored', async () => {
    const messageId = '<first-thread@customer.example>';
    const [filing] = await deliverAndRead(
      emailMessage({
        from: '"Rita Requester" <Rita@Customer.example>',
        subject: 'Card charged twice',
        messageId,
        text: 'My card was charged twice for order 1042.\n\nRita',
      }),
    );
    const ticket = await ticketOf(filing);
    expect(ticket).toMatchObject({
      subject: 'Card charged twice',
      groupId: 10,
      channel: 'email',
      status: 'new',
      requester: { kind: 'email', email: 'Rita@Customer.example', name: 'Rita Requester' },
    });
    expect(ticket.description).toBe('My card was charged twice for order 1042.\n\nRita');
    expect(ticket.source).toMatchObject({ kind: 'email', mailbox: SUPPORT });
    expect(await desk.store.email.get(`mid:${messageId}`)).toMatchObject({
      state: 'ticket',
      ticketNumber: ticket.number,
      from: 'rita@customer.example',
    });
    expect((await mailbox.messages()).every((message) => message.seen)).toBe(true);
    // The queue was told, as for any new ticket.
    expect(
      desk.fake.okCalls('chat.postMessage').some((call) => String(call.args.text).includes(`#${ticket.number}`)),
    ).toBe(true);
  });

  it('a reply in the thread is a comment: the pending ticket reopens and the assignee is told; the quoted history is cut and View original shows all', async () => {
    const first = '<reply-thread-1@customer.example>';
    const ticket = await ticketOf(
      (await deliverAndRead(emailMessage({ messageId: first, subject: 'Refund missing' })))[0],
    );
    await takeTicket(desk$(), { number: ticket.number, agent: people.ana });
    await replyToTicket(desk$(), {
      number: ticket.number,
      agent: people.ana,
      text: 'Could you send the receipt?',
      kind: 'public',
      status: 'pending',
    });
    await desk.settled();
    desk.fake.clearCalls();

    const [filing] = await deliverAndRead(
      emailMessage({
        subject: 'Re: Refund missing',
        inReplyTo: first,
        references: first,
        text: 'Here it is: receipt 77.\n\nOn Mon, 2 Nov 2026 at 10:00, Acme Support <support@acme.example>\nwrote:\n> Could you send the receipt?\n> Thanks',
      }),
    );
    expect(filing).toMatchObject({ outcome: 'comment', ticketNumber: ticket.number, reopened: true });
    expect((await desk.store.tickets.get(ticket.number))!.status).toBe('open');
    const comments = await desk.store.tickets.comments(ticket.number);
    expect(comments.at(-1)).toMatchObject({
      kind: 'public',
      text: 'Here it is: receipt 77.',
      author: { kind: 'requester', id: 'rita@customer.example' },
    });
    expect(desk.fake.dmsTo(people.ana).length).toBeGreaterThan(0);

    // View original: the first message's headers and whole text.
    await desk.slack.blockAction(people.ana, { action_id: actionIds.viewOriginal, value: `${ticket.number}:0` });
    await desk.settled();
    const original = JSON.stringify(desk.fake.okCalls('views.open').at(-1)!.args.view);
    for (const part of [
      'From: \\"Rita Requester\\" <rita@customer.example>',
      'To: support@acme.example',
      'Subject: Refund missing',
      'Date: 2026-11-02T09:00:00.000Z',
    ])
      expect(original).toContain(part);
  });

  it('without threading headers, the ticket number in the subject finds the ticket', async () => {
    const ticket = await ticketOf((await deliverAndRead(emailMessage({ subject: 'Login broken' })))[0]);
    const [filing] = await deliverAndRead(
      emailMessage({ subject: `Re: [#${ticket.number}] Login broken`, text: 'Still broken.' }),
    );
    expect(filing).toMatchObject({ outcome: 'comment', ticketNumber: ticket.number });
  });

  it('a reply to a ticket that was merged away lands on the ticket it was merged into', async () => {
    const sourceId = '<merged-away@customer.example>';
    const target = await ticketOf((await deliverAndRead(emailMessage({ subject: 'Charged twice' })))[0]);
    const source = await ticketOf(
      (await deliverAndRead(emailMessage({ subject: 'Double charge', messageId: sourceId })))[0],
    );
    const merged = await mergeTickets(desk$(), { sources: [source.number], target: target.number, agent: people.ana });
    expect(merged.ok).toBe(true);
    await desk.settled();

    const [filing] = await deliverAndRead(
      emailMessage({ subject: 'Re: Double charge', inReplyTo: sourceId, text: 'Any news?' }),
    );
    expect(filing).toMatchObject({ outcome: 'comment', ticketNumber: target.number });
    expect((await desk.store.tickets.comments(target.number)).at(-1)!.text).toBe('Any news?');
  });

  it('an agent’s public reply goes out over SMTP from the mailbox, threaded under the requester’s message with the ticket number; the requester’s answer threads back', async () => {
    const requesterId = '<agent-reply-thread@customer.example>';
    const ticket = await ticketOf(
      (await deliverAndRead(emailMessage({ subject: 'Card charged twice', messageId: requesterId })))[0],
    );
    const before = smtp.received.length;
    await replyToTicket(desk$(), {
      number: ticket.number,
      agent: people.ana,
      text: 'Internal: check the ledger first',
      kind: 'internal',
      status: 'open',
    });
    await agentReplies(ticket, 'We refunded the second charge.');
    await smtp.receivedCount(before + 1);
    const sent = smtp.received.slice(before);
    expect(sent).toHaveLength(1);
    const mail = sent[0]!;
    expect(mail.subject).toBe(`[#${ticket.number}] Card charged twice`);
    expect(mail.from?.value[0]).toMatchObject({ address: SUPPORT, name: 'Acme Support' });
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]!.address : null).toBe('rita@customer.example');
    expect(mail.inReplyTo).toBe(requesterId);
    expect(mail.references).toContain(requesterId);
    expect(mail.messageId).toMatch(new RegExp(`^<deskbolt\\.${ticket.number}\\.`));
    expect(mail.text?.trim()).toBe('We refunded the second charge.');
    expect(mail.raw).not.toContain('ledger');
    expect(mail.headers.get('auto-submitted')).toBeUndefined();

    // The requester answers that mail: it threads back by our Message-ID.
    const [filing] = await deliverAndRead(
      emailMessage({
        subject: `Re: ${mail.subject}`,
        inReplyTo: mail.messageId!,
        references: `${requesterId} ${mail.messageId}`,
        text: 'Thanks!',
      }),
    );
    expect(filing).toMatchObject({ outcome: 'comment', ticketNumber: ticket.number });
  });

  it('an SMTP server that refuses is retried with backoff, shown on the ticket, and the reply arrives once under one Message-ID', async () => {
    const ticket = await ticketOf((await deliverAndRead(emailMessage({ subject: 'Invoice' })))[0]);
    const before = smtp.received.length;
    smtp.refuseNext(1);
    await replyToTicket(desk$(), {
      number: ticket.number,
      agent: people.ana,
      text: 'Here is your invoice.',
      kind: 'public',
      status: 'open',
    });
    await desk.settled();
    const failed = (await desk.store.deliveries.ofTicket(ticket.number)).find((delivery) => delivery.via === 'email')!;
    expect(failed).toMatchObject({ state: 'pending', attempts: 1 });
    expect(failed.lastError).toContain('451');
    expect(await desk.store.deliveries.troubleOf(ticket.number)).toHaveLength(1);
    // Not due yet: the retry loop leaves it alone.
    await desk.deskbolt.jobs.run(deskJob('delivery-retries'));
    expect(smtp.received.length).toBe(before);
    desk.clock.advance(61_000);
    await desk.deskbolt.jobs.run(deskJob('delivery-retries'));
    await smtp.receivedCount(before + 1);
    desk.clock.advance(10 * 60_000);
    await desk.deskbolt.jobs.run(deskJob('delivery-retries'));
    const sent = smtp.received.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text?.trim()).toBe('Here is your invoice.');
    expect((await desk.store.deliveries.get(failed.id))!.state).toBe('delivered');
  });

  it('auto-replies, bounces, bulk mail and deskbolt’s own mail are recorded with the reason and never become tickets', async () => {
    const filings = await deliverAndRead(
      emailMessage({ subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } }),
      emailMessage({ subject: 'Newsletter', headers: { Precedence: 'bulk' } }),
      emailMessage({ from: 'MAILER-DAEMON@mx.customer.example', subject: 'Undeliverable' }),
      emailMessage({ subject: 'Away', headers: { 'X-Autoreply': 'yes' } }),
      emailMessage({ from: `"Acme" <${SUPPORT}>`, subject: 'Loop' }),
      emailMessage({ from: 'help@acme.example', subject: 'From MAIL_FROM' }),
    );
    expect(filings.map((filing) => filing.outcome)).toEqual([
      'skipped',
      'skipped',
      'skipped',
      'skipped',
      'skipped',
      'skipped',
    ]);
    const reasons = filings.map((filing) => (filing.outcome === 'skipped' ? filing.reason : ''));
    expect(reasons[0]).toContain('Auto-Submitted: auto-replied');
    expect(reasons[1]).toContain('Precedence: bulk');
    expect(reasons[2]).toContain('bounce');
    expect(reasons[3]).toContain('x-autoreply');
    expect(reasons[4]).toContain('own address');
    expect(reasons[5]).toContain('own address');
    // What admins read: GET /api/v1/email/skipped, for a key that sees the whole desk.
    const api = (key: string) =>
      fetch(`http://127.0.0.1:${desk.deskbolt.port}/api/v1/email/skipped`, {
        headers: { authorization: `Bearer ${key}` },
      });
    const listed = (await (await api(ADMIN_KEY)).json()) as {
      skipped: { reason: string; subject: string; mailbox: string }[];
    };
    expect(listed.skipped.map((entry) => entry.reason)).toEqual(expect.arrayContaining(reasons));
    expect(listed.skipped.find((entry) => entry.subject === 'Out of office')).toMatchObject({ mailbox: SUPPORT });
    expect((await api(TEAM_KEY)).status).toBe(403);
  });

  it('a sender past the hourly limit of new tickets is recorded and skipped; an hour later they are heard again', async () => {
    const flood = Array.from({ length: 21 }, (_, i) =>
      emailMessage({ from: 'flood@customer.example', subject: `Flood ${i}` }),
    );
    const filings = await deliverAndRead(...flood);
    expect(filings.filter((filing) => filing.outcome === 'ticket')).toHaveLength(20);
    expect(filings.at(-1)).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringContaining('more than 20 new tickets in an hour'),
    });
    desk.clock.advance(61 * 60_000);
    const [later] = await deliverAndRead(emailMessage({ from: 'flood@customer.example', subject: 'A real question' }));
    expect(later!.outcome).toBe('ticket');
  });

  it('`/ticket email N TEXT` during a chat goes over SMTP too, from the group’s mailbox, with the ticket number', async () => {
    const steps = chatSteps(desk);
    desk.fake.addUser({ id: 'UREQMAIL1', name: 'dana', realName: 'Dana Smith', email: 'dana@customer.example' });
    const chat = await steps.liveChat('UREQMAIL1', people.ana);
    const before = smtp.received.length;
    await desk.slack.command(people.ana, '/ticket', `email ${chat.ticketNumber} Here is the invoice you asked for`);
    await desk.settled();
    expect(steps.lastResponse()).toBe(
      `Emailed the requester of chat #${chat.ticketNumber} (dana@customer.example); the chat goes on.`,
    );
    await smtp.receivedCount(before + 1);
    const mail = smtp.received[before]!;
    expect(mail.subject).toMatch(new RegExp(`^\\[#${chat.ticketNumber}\\] `));
    expect(mail.from?.value[0]?.address).toBe(SUPPORT);
    expect(mail.text?.trim()).toBe('Here is the invoice you asked for');
  });

  it('the auto-close’s note goes out as an automatic reply (Auto-Submitted), so it cannot start a loop', async () => {
    const ticket = await ticketOf((await deliverAndRead(emailMessage({ subject: 'Waiting on me' })))[0]);
    await replyToTicket(desk$(), {
      number: ticket.number,
      agent: people.ana,
      text: 'Please confirm it works now.',
      kind: 'public',
      status: 'pending',
    });
    await desk.settled();
    const before = smtp.received.length;
    desk.clock.advance(4 * 24 * 60 * 60_000);
    await desk.deskbolt.jobs.run(deskJob('pending-auto-close'));
    await smtp.receivedCount(before + 1);
    const note = smtp.received.slice(before).find((mail) => mail.headers.get('auto-submitted') === 'auto-replied')!;
    expect(note.subject).toBe(`[#${ticket.number}] Waiting on me`);
    expect((await desk.store.tickets.get(ticket.number))!.status).toBe('closed');
    // An out-of-office answering it is skipped, not a follow-up.
    const [echo] = await deliverAndRead(
      emailMessage({
        subject: `Re: ${note.subject}`,
        inReplyTo: note.messageId!,
        headers: { 'Auto-Submitted': 'auto-replied' },
      }),
    );
    expect(echo!.outcome).toBe('skipped');
  });
});
