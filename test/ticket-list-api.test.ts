import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { EXPORT_PAGE } from '../src/http/api.js';
import { CSV_COLUMNS } from '../src/http/ticket-list.js';
import { replyToTicket } from '../src/tickets/reply.js';
import type { Ticket } from '../src/tickets/types.js';
import { changeTicket, fileTicket } from './support/desk.js';
import { useTestDesk } from './support/use-test-desk.js';
import { people, testWorkspace } from './support/workspace.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const READ_KEY = 'dk_live_reports_0123456789abcdef';
const PAYOPS_KEY = 'dk_live_payops_0123456789abcdef';
const BRIDGE_KEY = 'dk_live_bridge_0123456789abcdef';

/** The REST ticket list (filters, a bounded page, a cursor) and the streamed CSV export of a date range. */
describe('REST: listing and exporting tickets', () => {
  let base: string;
  let tickets: Ticket[];
  const desk = useTestDesk({
    workspace: testWorkspace({
      apiKeys: [
        { name: 'reports', sha256: sha256(READ_KEY), access: 'read', scope: 'all' },
        { name: 'payops-report', sha256: sha256(PAYOPS_KEY), access: 'read', scope: { groups: [20] } },
        { name: 'mail-bridge', sha256: sha256(BRIDGE_KEY), scope: 'own' },
      ],
      sla: { targets: { high: { firstReply: '1h', resolution: '1d' } } },
    }),
  });
  beforeAll(async () => {
    base = `http://127.0.0.1:${desk.deskbolt.port}/api/v1`;
    const lead = desk.deskbolt.desk;
    desk.clock.set('2026-10-01T09:00:00Z');
    tickets = [
      await fileTicket(lead, { subject: 'Refund for order 88', priority: 'high' }),
      await fileTicket(lead, {
        subject: 'Wrong VAT',
        requester: { kind: 'email', email: 'val@exmaple.com', name: 'Val' },
      }),
      await fileTicket(lead, { subject: '=HYPERLINK("http://evil.example","click")', description: 'spreadsheet trap' }),
      await fileTicket(lead, { subject: 'Comma, "quotes"\nand a new line', groupId: 20 }),
      await fileTicket(lead, { subject: 'Login loop' }),
    ];
    const [refund, vat, , , login] = tickets as [Ticket, Ticket, Ticket, Ticket, Ticket];
    desk.clock.advance(20 * 60_000);
    const solved = await replyToTicket(lead, {
      number: refund.number,
      agent: people.ana,
      text: 'Refunded today.',
      kind: 'public',
      status: 'solved',
      form: { rootCause: 'Card declined', category: 'Payments', subcategory: 'Refund' },
    });
    expect(solved.ok).toBe(true);
    await replyToTicket(lead, {
      number: login.number,
      agent: people.ben,
      text: 'The cookie banner hides the button',
      kind: 'internal',
      status: 'open',
      form: {},
    });
    await changeTicket(lead, refund.number, {}, { tags: ['refund', 'vip'] }, [], desk.clock.now());
    await changeTicket(
      lead,
      vat.number,
      {},
      { requester: { kind: 'email', email: 'val@example.com', name: 'Val', previousEmails: ['val@exmaple.com'] } },
      [],
      desk.clock.now(),
    );
    await desk.settled();
  });

  async function get(path: string, key: string | null = READ_KEY) {
    const response = await fetch(`${base}${path}`, { headers: key ? { Authorization: `Bearer ${key}` } : {} });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined,
    };
  }
  const numbersOf = (json: { tickets: { number: number }[] }) => json.tickets.map((ticket) => ticket.number);

  it('pages through every ticket with a bounded page and a cursor, newest first', async () => {
    const seen: number[] = [];
    let path = '/tickets?limit=2';
    for (let page = 0; page < 5; page++) {
      const { status, json } = await get(path);
      expect(status).toBe(200);
      expect(json.tickets.length).toBeLessThanOrEqual(2);
      seen.push(...numbersOf(json));
      if (!json.nextCursor) break;
      path = `/tickets?limit=2&cursor=${json.nextCursor}`;
    }
    expect(seen).toEqual(tickets.map((ticket) => ticket.number).reverse());
    expect(numbersOf((await get('/tickets?order=oldest&limit=3')).json)).toEqual(
      tickets.slice(0, 3).map((ticket) => ticket.number),
    );
  });

  it('filters by status, group, assignee, tag, requester (old address too) and words, and shows what a report needs', async () => {
    const [refund, vat, , payops, login] = tickets as [Ticket, Ticket, Ticket, Ticket, Ticket];
    expect(numbersOf((await get('/tickets?status=solved')).json)).toEqual([refund.number]);
    expect(numbersOf((await get('/tickets?groupId=20')).json)).toEqual([payops.number]);
    expect(numbersOf((await get(`/tickets?assignee=${people.ben}`)).json)).toEqual([login.number]);
    expect(numbersOf((await get('/tickets?tag=vip')).json)).toEqual([refund.number]);
    expect(numbersOf((await get('/tickets?requester=val@exmaple.com')).json)).toEqual([vat.number]);
    expect(numbersOf((await get('/tickets?q=refunded%20TODAY')).json)).toEqual([refund.number]);
    // Internal notes are for agents: an API key does not find words in them.
    expect(numbersOf((await get('/tickets?q=cookie')).json)).toEqual([]);
    const [summary] = (await get('/tickets?status=solved')).json.tickets;
    expect(summary).toMatchObject({
      number: refund.number,
      assignee: { name: 'Ana' },
      tags: ['refund', 'vip'],
      form: { rootCause: 'Card declined', category: 'Payments', subcategory: 'Refund' },
      sla: { firstReply: 'met', resolution: 'met' },
      firstReplyAt: '2026-10-01T09:20:00.000Z',
    });
    expect(JSON.stringify(summary)).not.toContain(people.ana);
  });

  it('refuses a page size of 1e9, unknown filters and operators, with the parameter at fault, and changes nothing', async () => {
    const huge = await get('/tickets?limit=1000000000');
    expect(huge.status).toBe(422);
    expect(huge.json.error).toMatchObject({ code: 'validation_failed', path: 'limit', message: 'limit: at most 100' });
    expect((await get('/tickets?limit=1e9')).json.error).toMatchObject({
      path: 'limit',
      message: 'limit: a whole number',
    });
    expect((await get('/tickets?limit=0')).json.error.message).toBe('limit: at least 1');
    const operator = await get('/tickets?status[$ne]=closed');
    expect(operator.status).toBe(422);
    expect(operator.json.error.message).toContain('unknown field “status[$ne]”');
    expect((await get('/tickets?status=everything')).json.error).toMatchObject({
      code: 'refused',
      refusal: 'not_a_status',
      path: 'status',
    });
    expect((await get('/tickets?cursor=%7B%22%24gt%22%3A0%7D')).json.error.path).toBe('cursor');
    expect((await get('/tickets?tag=%3C!here%3E')).json.error).toMatchObject({ refusal: 'not_a_tag', path: 'tag' });
    expect((await get(`/tickets?q=${encodeURIComponent('{"$where":"sleep(100)"}')}`)).json.tickets).toEqual([]);
    expect((await get(`/tickets?q=${'x'.repeat(201)}`)).json.error.message).toBe('q: at most 200 characters');
    expect((await get('/tickets', null)).status).toBe(401);
  });

  it('a key lists and exports only the tickets its scope lets it see', async () => {
    const filed = await fetch(`${base}/tickets`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${BRIDGE_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ subject: 'Bridged in October', requester: { email: 'ivy@example.com', name: 'Ivy' } }),
    });
    expect(filed.status).toBe(201);
    const bridged = ((await filed.json()) as { ticket: { number: number } }).ticket.number;
    // The other tests of this file count the five tickets filed before them: this one leaves with this test.
    onTestFinished(async () => {
      await desk.store.models.Ticket.collection.deleteOne({ number: bridged });
    });
    const payops = tickets[3]!.number;
    const october = 'createdFrom=2026-10-01T00:00:00Z&createdBefore=2026-11-01T00:00:00Z';
    const exported = async (key: string) =>
      (await get(`/tickets.csv?${october}`, key)).text
        .split('\r\n')
        .slice(1)
        .filter(Boolean)
        .map((row) => Number(row.split(',')[0]));

    expect(numbersOf((await get('/tickets?limit=100', PAYOPS_KEY)).json)).toEqual([payops]);
    expect(numbersOf((await get('/tickets?groupId=10', PAYOPS_KEY)).json)).toEqual([]);
    expect(await exported(PAYOPS_KEY)).toEqual([payops]);
    expect(numbersOf((await get('/tickets?limit=100', BRIDGE_KEY)).json)).toEqual([bridged]);
    expect(await exported(BRIDGE_KEY)).toEqual([bridged]);
    expect(numbersOf((await get('/tickets?limit=100', READ_KEY)).json)).toEqual(
      expect.arrayContaining([payops, bridged, tickets[0]!.number]),
    );
  });

  it('exports a date range as CSV, streamed, oldest first, with form fields, formulas defused and fields quoted', async () => {
    // A second month with more tickets than one page of the export reads, stored as the intake stores them.
    const november: number[] = [];
    const documents = [];
    for (let i = 0; i < EXPORT_PAGE + 3; i++) {
      const number = 900_000 + i;
      november.push(number);
      const at = new Date(Date.parse('2026-11-01T00:00:00Z') + i * 60_000);
      documents.push({
        _id: String(number),
        number,
        subject: `November ${i}`,
        description: '',
        requester: { kind: 'slack', userId: people.customer },
        status: 'new',
        assignee: null,
        groupId: 10,
        priority: 'normal',
        form: {},
        channel: 'slack',
        source: { kind: 'dm' },
        createdAt: at,
        updatedAt: at,
        pendingSince: null,
        solvedAt: null,
        closedAt: null,
        mergedInto: null,
        version: 1,
        outbox: [],
      });
    }
    await desk.store.models.Ticket.collection.insertMany(documents as never[]);
    // The other tests of this file count the five October tickets: November's leave with this test.
    onTestFinished(async () => {
      await desk.store.models.Ticket.collection.deleteMany({ number: { $in: november } });
    });

    const october = await get('/tickets.csv?createdFrom=2026-10-01T00:00:00Z&createdBefore=2026-11-01T00:00:00Z');
    expect(october.status).toBe(200);
    expect(october.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(october.headers.get('content-disposition')).toBe('attachment; filename="tickets-2026-10-01-2026-11-01.csv"');
    const lines = october.text.split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines[1]).toMatch(
      new RegExp(
        `^${tickets[0]!.number},2026-10-01T09:00:00.000Z,solved,high,Billing,Ana,,,slack,Refund for order 88,refund vip,Card declined,Payments,Refund,2026-10-01T09:20:00.000Z,`,
      ),
    );
    expect(lines[1]).toContain(',met,met,');
    expect(lines[3]).toContain(`,"'=HYPERLINK(""http://evil.example"",""click"")",`);
    expect(october.text).toContain('"Comma, ""quotes""\nand a new line"');
    expect(october.text).not.toContain('November');

    const all = await get('/tickets.csv?createdFrom=2026-11-01T00:00:00Z&createdBefore=2026-12-01T00:00:00Z');
    expect(all.headers.get('transfer-encoding')).toBe('chunked');
    const rows = all.text.split('\r\n').slice(1).filter(Boolean);
    expect(rows.map((row) => Number(row.split(',')[0]))).toEqual(november);

    expect((await get('/tickets.csv?createdFrom=2026-11-01T00:00:00Z')).json.error).toMatchObject({
      code: 'validation_failed',
      path: 'createdBefore',
    });
    expect((await get('/tickets.csv?createdFrom=yesterday&createdBefore=2026-12-01T00:00:00Z')).json.error.path).toBe(
      'createdFrom',
    );
  });
});
