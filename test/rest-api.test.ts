import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ticketEvent } from '../src/events/ticket-events.js';
import { changeTicket } from './support/desk.js';
import { useTestDesk } from './support/use-test-desk.js';
import { channels, people, testWorkspace } from './support/workspace.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const WRITE_KEY = 'dk_live_webform_0123456789abcdef';
const READ_KEY = 'dk_live_status_0123456789abcdef';

/** The REST API: email and web-form tickets in, requester replies, and errors a bridge can act on. */
describe('REST API', () => {
  let base: string;
  const desk = useTestDesk({
    workspace: testWorkspace({
      apiKeys: [
        { name: 'web-form', sha256: sha256(WRITE_KEY), scope: 'all' },
        { name: 'status-page', sha256: sha256(READ_KEY), access: 'read', scope: 'all' },
      ],
    }),
  });
  beforeAll(async () => {
    base = `http://127.0.0.1:${desk.deskbolt.port}/api/v1`;
  });

  async function call(
    method: string,
    path: string,
    options: { body?: unknown; raw?: string; key?: string | null; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? WRITE_KEY : options.key;
    if (key !== null) headers.Authorization = `Bearer ${key}`;
    if (options.body !== undefined || options.raw !== undefined) headers['Content-Type'] ??= 'application/json';
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
  }

  const newTicket = (overrides: Record<string, unknown> = {}) => ({
    subject: 'Invoice shows the wrong VAT',
    description: 'The October invoice has 19% instead of 7%.',
    requester: { email: 'dana@example.com', name: 'Dana Doe' },
    groupId: 10,
    ...overrides,
  });

  async function fileOne(overrides: Record<string, unknown> = {}) {
    const created = await call('POST', '/tickets', { body: newTicket(overrides) });
    expect(created.status).toBe(201);
    await desk.settled();
    return created.json.ticket.number as number;
  }

  it('files a ticket for an email requester, records the key name, and tells the group in Slack', async () => {
    // Work another test set off (a retry filed concurrently) lands before the clear, not among this test's calls.
    await desk.settled();
    desk.fake.clearCalls();
    const created = await call('POST', '/tickets', { body: newTicket({ channel: 'email', priority: 'high' }) });
    expect(created.status).toBe(201);
    const number = created.json.ticket.number;
    expect(created.headers.get('location')).toBe(`/api/v1/tickets/${number}`);
    expect(created.json.ticket).toMatchObject({
      subject: 'Invoice shows the wrong VAT',
      status: 'new',
      priority: 'high',
      channel: 'email',
      group: { id: 10, name: 'Billing' },
      requester: { kind: 'email', email: 'dana@example.com', name: 'Dana Doe' },
      comments: [],
    });
    const stored = await desk.store.tickets.get(number);
    expect(stored).toMatchObject({
      channel: 'email',
      source: { kind: 'api', filedBy: 'web-form' },
      requester: { kind: 'email', email: 'dana@example.com' },
    });
    expect((await desk.store.tickets.history(number))[0]).toMatchObject({
      action: 'created',
      actor: { kind: 'api', id: 'web-form' },
    });
    await desk.settled();
    const alerts = desk.fake.okCalls('chat.postMessage').filter((c) => c.args.channel === channels.billingAlerts);
    expect(alerts.map((c) => c.args.text)).toEqual([`#${number} Invoice shows the wrong VAT · new · unassigned`]);
  });

  it('files once when a bridge retries with the same Idempotency-Key, and refuses the key for another body', async () => {
    const headers = { 'Idempotency-Key': 'mail-<abc123@example.com>' };
    const first = await call('POST', '/tickets', { body: newTicket({ subject: 'Retry me' }), headers });
    const again = await call('POST', '/tickets', { body: newTicket({ subject: 'Retry me' }), headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.json.ticket.number).toBe(first.json.ticket.number);
    expect(await desk.store.models.Ticket.countDocuments({ subject: 'Retry me' })).toBe(1);

    const other = await call('POST', '/tickets', { body: newTicket({ subject: 'Something else' }), headers });
    expect(other.status).toBe(409);
    expect(other.json.error).toMatchObject({ code: 'idempotency_conflict', path: 'Idempotency-Key' });
    expect(await desk.store.models.Ticket.countDocuments({ subject: 'Something else' })).toBe(0);

    // Another key's identical Idempotency-Key is another request: keys are scoped per API key.
    const concurrent = await Promise.all(
      [1, 2, 3].map(() =>
        call('POST', '/tickets', {
          body: newTicket({ subject: 'Concurrent retry' }),
          headers: { 'Idempotency-Key': 'same-3' },
        }),
      ),
    );
    expect(new Set(concurrent.map((r) => r.json.ticket.number)).size).toBe(1);
    expect(await desk.store.models.Ticket.countDocuments({ subject: 'Concurrent retry' })).toBe(1);
    // Its live message is posted after the answer: posted here, not among the next test's calls.
    await desk.settled();
  });

  it('twenty identical creates at once with one Idempotency-Key file one ticket and post one live ticket message', async () => {
    await desk.settled();
    desk.fake.clearCalls();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        call('POST', '/tickets', {
          body: newTicket({ subject: 'Twenty at once' }),
          headers: { 'Idempotency-Key': 'twenty-at-once' },
        }),
      ),
    );
    await desk.settled();
    expect(answers.every((answer) => answer.status === 201 || answer.status === 200)).toBe(true);
    expect(new Set(answers.map((answer) => answer.json.ticket.number)).size).toBe(1);
    const number = answers[0]!.json.ticket.number;
    expect(await desk.store.models.Ticket.countDocuments({ subject: 'Twenty at once' })).toBe(1);
    const liveMessages = desk.fake
      .okCalls('chat.postMessage')
      .filter((posted) => !posted.args.thread_ts && String(posted.args.text).startsWith(`#${number} `));
    expect(liveMessages).toHaveLength(1);
  });

  it('refuses bad bodies with 422 and the field path, saving nothing', async () => {
    const before = await desk.store.models.Ticket.countDocuments();
    const cases: [unknown, string][] = [
      [newTicket({ subject: '' }), 'subject'],
      [newTicket({ subject: { $gt: '' } }), 'subject'],
      [newTicket({ requester: { email: 'not-an-email', name: 'X' } }), 'requester.email'],
      [newTicket({ requester: { email: { $ne: null }, name: 'X' } }), 'requester.email'],
      [newTicket({ requester: { email: 'a@example.com', name: 'X', $where: '1' } }), 'requester.$where'],
      [newTicket({ groupId: 'ten' }), 'groupId'],
      [newTicket({ priority: 'asap' }), 'priority'],
      [newTicket({ assignee: people.ana }), 'assignee'],
      [newTicket({ description: 'x'.repeat(10_001) }), 'description'],
    ];
    for (const [body, path] of cases) {
      const answer = await call('POST', '/tickets', { body });
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(answer.json.error.code).toBe('validation_failed');
      expect(answer.json.error.path).toBe(path);
      expect(answer.json.error.message).toEqual(expect.any(String));
    }
    // A refusal of the workflow carries its code beside the status its kind of "no" calls for.
    const noGroup = await call('POST', '/tickets', { body: newTicket({ groupId: 99 }) });
    expect(noGroup.status).toBe(422);
    expect(noGroup.json.error).toEqual({
      code: 'refused',
      refusal: 'no_such_group',
      path: 'groupId',
      message: 'There is no group with id 99.',
    });
    const notJson = await call('POST', '/tickets', { raw: '{"subject": ' });
    expect(notJson.status).toBe(400);
    expect(notJson.json.error.code).toBe('malformed_json');
    const noBody = await call('POST', '/tickets', {});
    expect(noBody.status).toBe(422);
    expect(await desk.store.models.Ticket.countDocuments()).toBe(before);
  });

  it('keeps a Mongo operator typed as text as plain text', async () => {
    const number = await fileOne({ subject: '{"$gt":""}', description: '{"$where":"sleep(1000)"}' });
    expect(await desk.store.tickets.get(number)).toMatchObject({
      subject: '{"$gt":""}',
      description: '{"$where":"sleep(1000)"}',
    });
  });

  it('refuses an oversized body with 413 before parsing it', async () => {
    const answer = await call('POST', '/tickets', {
      raw: JSON.stringify(newTicket({ description: 'x'.repeat(70_000) })),
    });
    expect(answer.status).toBe(413);
    expect(answer.json.error.code).toBe('payload_too_large');
  });

  it('refuses a missing or unknown key with 401, and a read-only key on writes with 403', async () => {
    for (const key of [null, 'wrong-key', `${WRITE_KEY}x`]) {
      const answer = await call('POST', '/tickets', { body: newTicket(), key });
      expect(answer.status).toBe(401);
      expect(answer.json.error.code).toBe('unauthorized');
      expect(answer.headers.get('www-authenticate')).toContain('Bearer');
    }
    expect((await call('GET', '/tickets/1001', { key: null })).status).toBe(401);
    const basic = await fetch(`${base}/tickets/1001`, {
      headers: { Authorization: `Basic ${Buffer.from(`x:${WRITE_KEY}`).toString('base64')}` },
    });
    expect(basic.status).toBe(401);

    const readOnly = await call('POST', '/tickets', {
      body: newTicket({ subject: 'From the status page' }),
      key: READ_KEY,
    });
    expect(readOnly.status).toBe(403);
    expect(readOnly.json.error.code).toBe('forbidden');
    expect(await desk.store.models.Ticket.countDocuments({ subject: 'From the status page' })).toBe(0);
    const number = await fileOne();
    expect((await call('GET', `/tickets/${number}`, { key: READ_KEY })).status).toBe(200);
    expect((await call('POST', `/tickets/${number}/comments`, { body: { text: 'hi' }, key: READ_KEY })).status).toBe(
      403,
    );
  });

  it('shows a ticket with its public comments only, never internal notes', async () => {
    const number = await fileOne();
    const now = desk.clock.now();
    await desk.store.tickets.addComment(
      number,
      'public',
      { kind: 'agent', id: people.ana },
      'We are looking into it.',
      now,
    );
    await desk.store.tickets.addComment(
      number,
      'internal',
      { kind: 'agent', id: people.ana },
      'Customer is on the legacy plan — secret',
      now,
    );
    const answer = await call('GET', `/tickets/${number}`);
    expect(answer.status).toBe(200);
    expect(answer.json.ticket.comments).toEqual([
      {
        id: expect.any(String),
        author: { kind: 'agent', name: 'Ana' },
        text: 'We are looking into it.',
        createdAt: now.toISOString(),
      },
    ]);
    expect(JSON.stringify(answer.json)).not.toContain('secret');
    expect(JSON.stringify(answer.json)).not.toContain(people.ana);
  });

  it('answers a missing ticket and an unknown route with 404', async () => {
    for (const path of ['/tickets/999999', '/tickets/abc', '/tickets/1%2C2']) {
      const answer = await call('GET', path);
      expect(answer.status).toBe(404);
      expect(answer.json.error.code).toBe('not_found');
    }
    expect((await call('POST', '/tickets/999999/comments', { body: { text: 'hello' } })).status).toBe(404);
    expect((await call('GET', '/nothing-here')).json.error.code).toBe('not_found');
  });

  it('adds a requester reply that reopens a solved ticket, once per Idempotency-Key', async () => {
    const number = await fileOne();
    const now = desk.clock.now();
    await changeTicket(
      desk.deskbolt.desk,
      number,
      {},
      { status: 'solved', assignee: people.ana, solvedAt: now },
      {
        actor: { kind: 'agent', id: people.ana },
        action: 'status_changed',
        from: { status: 'new' },
        to: { status: 'solved' },
        at: now,
      },
      now,
    );
    const headers = { 'Idempotency-Key': 'mail-reply-1' };
    const reply = await call('POST', `/tickets/${number}/comments`, {
      body: { text: 'It is still wrong on the new invoice.' },
      headers,
    });
    expect(reply.status).toBe(201);
    expect(reply.json).toMatchObject({
      reopened: true,
      duplicate: false,
      followUpOf: null,
      ticket: { number, status: 'open' },
    });
    expect(reply.json.ticket.comments.at(-1)).toMatchObject({
      author: { kind: 'api', name: 'Dana Doe' },
      text: 'It is still wrong on the new invoice.',
    });
    const again = await call('POST', `/tickets/${number}/comments`, {
      body: { text: 'It is still wrong on the new invoice.' },
      headers,
    });
    expect(again.status).toBe(200);
    expect(again.json.duplicate).toBe(true);
    expect(await desk.store.tickets.comments(number)).toHaveLength(1);
    const reused = await call('POST', `/tickets/${number}/comments`, {
      body: { text: 'Something different' },
      headers,
    });
    expect(reused.status).toBe(409);
    expect((await desk.store.tickets.history(number)).at(-1)).toMatchObject({
      action: 'reopened',
      actor: { kind: 'api', id: 'web-form' },
    });
    await desk.settled();
    const notice = desk.fake.dmsTo(people.ana).at(-1);
    expect(notice?.args.text).toContain(`Dana Doe wrote again on #${number}, so it is open again (it was solved)`);
    expect(desk.fake.okCalls('views.publish').some((call) => call.args.user_id === people.ana)).toBe(true);
  });

  it('answers a reply to a closed ticket with a follow-up, and refuses bad reply bodies', async () => {
    const number = await fileOne();
    const now = desk.clock.now();
    await changeTicket(
      desk.deskbolt.desk,
      number,
      {},
      { status: 'closed', closedAt: now },
      ticketEvent('status_changed', { kind: 'system', id: 'auto-close' }, now, {
        from: { status: 'new' },
        to: { status: 'closed' },
      }),
      now,
    );
    const reply = await call('POST', `/tickets/${number}/comments`, { body: { text: 'Happened again' } });
    expect(reply.status).toBe(201);
    expect(reply.json.followUpOf).toBe(number);
    expect(reply.json.ticket.number).not.toBe(number);
    expect(reply.json.ticket.followUpOf).toBe(number);
    await desk.settled();
    expect(
      desk.fake
        .okCalls('chat.postMessage')
        .some(
          (call) =>
            call.args.channel === channels.billingAlerts &&
            call.args.text === `#${reply.json.ticket.number} ${reply.json.ticket.subject} · new · unassigned`,
        ),
    ).toBe(true);

    for (const [body, path] of [
      [{ text: '   ' }, 'text'],
      [{ text: { $gt: '' } }, 'text'],
      [{ text: 'x'.repeat(10_001) }, 'text'],
      [{ text: 'ok', internal: true }, 'internal'],
    ] as const) {
      const answer = await call('POST', `/tickets/${number}/comments`, { body });
      expect(answer.status).toBe(422);
      expect(answer.json.error.path).toBe(path);
    }
  });
});

describe('refusals over REST: the status follows the code', () => {
  let base: string;
  const desk = useTestDesk({
    workspace: testWorkspace({ apiKeys: [{ name: 'web-form', sha256: sha256(WRITE_KEY), scope: 'all' }] }),
  });
  beforeAll(async () => {
    base = `http://127.0.0.1:${desk.deskbolt.port}/api/v1`;
  });

  async function reply(number: number, text: string) {
    const response = await fetch(`${base}/tickets/${number}/comments`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${WRITE_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ text }),
    });
    return {
      status: response.status,
      json: (await response.json()) as { error: { code: string; refusal?: string; message: string } },
    };
  }

  it('404 when the ticket a reply is forwarded to does not exist; 409 when merges go round in a circle', async () => {
    const file = async (subject: string) => {
      const response = await fetch(`${base}/tickets`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${WRITE_KEY}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ subject, requester: { email: 'ivy@example.com', name: 'Ivy' } }),
      });
      return ((await response.json()) as { ticket: { number: number } }).ticket.number;
    };
    const lost = await file('Forwarded to nowhere');
    await changeTicket(desk.deskbolt.desk, lost, {}, { status: 'closed', mergedInto: 424242 }, [], desk.clock.now());
    const missing = await reply(lost, 'Any news?');
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatchObject({
      code: 'refused',
      refusal: 'no_such_ticket',
      message: 'There is no ticket #424242.',
    });

    const [a, b] = [await file('Round'), await file('About')];
    await changeTicket(desk.deskbolt.desk, a, {}, { status: 'closed', mergedInto: b }, [], desk.clock.now());
    await changeTicket(desk.deskbolt.desk, b, {}, { status: 'closed', mergedInto: a }, [], desk.clock.now());
    const circle = await reply(a, 'Hello?');
    expect(circle.status).toBe(409);
    expect(circle.json.error.refusal).toBe('changing_too_quickly');
  });
});
