import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketEvent } from '../src/events/ticket-events.js';
import type { Store } from '../src/store/store.js';
import { addRequesterReply } from '../src/tickets/requester-reply.js';
import type { Actor } from '../src/tickets/types.js';
import { openTestStore } from './support/database.js';
import { changeTicket, fileTicket, testDesk } from './support/desk.js';
import { people } from './support/workspace.js';

const customer: Actor = { kind: 'requester', id: people.customer };

describe('a requester writes again', () => {
  let store: Store;
  let desk: ReturnType<typeof testDesk>;
  beforeAll(async () => {
    store = await openTestStore('reply');
    desk = testDesk(store);
  });
  afterAll(async () => {
    await store.close();
  });

  async function ticketIn(status: 'open' | 'pending' | 'solved' | 'closed') {
    const ticket = await fileTicket(desk);
    await changeTicket(
      desk,
      ticket.number,
      {},
      { status, assignee: people.ana, pendingSince: status === 'pending' ? desk.clock() : null },
      ticketEvent('status_changed', { kind: 'agent', id: people.ana }, desk.clock(), {
        from: { status: 'new' },
        to: { status },
      }),
      desk.clock(),
    );
    return ticket.number;
  }

  it('reopens a pending ticket and keeps the reply', async () => {
    const number = await ticketIn('pending');
    const result = await addRequesterReply(desk, { number, text: 'Here is the receipt', author: customer });
    expect(result).toMatchObject({ ok: true, reopened: true, previousStatus: 'pending', followUpOf: null });
    expect(await store.tickets.get(number)).toMatchObject({ status: 'open', pendingSince: null });
    expect((await store.tickets.comments(number)).map((comment) => comment.text)).toEqual(['Here is the receipt']);
  });

  it('reopens a solved ticket', async () => {
    const number = await ticketIn('solved');
    const result = await addRequesterReply(desk, { number, text: 'Still broken', author: customer });
    expect(result).toMatchObject({ ok: true, reopened: true, previousStatus: 'solved' });
  });

  it('answers a closed ticket with a follow-up linked to it', async () => {
    const number = await ticketIn('closed');
    const result = await addRequesterReply(desk, { number, text: 'It happened again', author: customer });
    if (!result.ok) throw new Error(JSON.stringify(result));
    expect(result.followUpOf).toBe(number);
    expect(result.ticket).toMatchObject({
      status: 'new',
      followUpOf: number,
      description: 'It happened again',
      requester: { kind: 'slack', userId: people.customer },
    });
    expect((await store.tickets.get(number))!.status).toBe('closed');
    expect((await store.tickets.history(number)).at(-1)).toMatchObject({
      action: 'follow_up_created',
      to: { number: result.ticket.number },
    });
  });

  it('stores a reply delivered twice (same source key) once', async () => {
    const number = await ticketIn('open');
    const first = await addRequesterReply(desk, {
      number,
      text: 'Hello?',
      author: customer,
      sourceKey: 'slack:D1:1700.1',
    });
    const again = await addRequesterReply(desk, {
      number,
      text: 'Hello?',
      author: customer,
      sourceKey: 'slack:D1:1700.1',
    });
    expect(first).toMatchObject({ ok: true, duplicate: false });
    expect(again).toMatchObject({ ok: true, duplicate: true });
    expect(await store.tickets.comments(number)).toHaveLength(1);
  });

  it('refuses an empty or oversized reply, and an unknown ticket, changing nothing', async () => {
    const number = await ticketIn('pending');
    expect(await addRequesterReply(desk, { number, text: '   ', author: customer })).toEqual({
      ok: false,
      code: 'reply_empty',
      facts: {},
    });
    expect((await addRequesterReply(desk, { number, text: 'x'.repeat(10_001), author: customer })).ok).toBe(false);
    expect(await addRequesterReply(desk, { number: 424242, text: 'hi', author: customer })).toEqual({
      ok: false,
      code: 'no_such_ticket',
      facts: { number: 424242 },
    });
    expect((await store.tickets.get(number))!.status).toBe('pending');
  });
});
