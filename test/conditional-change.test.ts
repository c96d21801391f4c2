import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketEvent } from '../src/events/ticket-events.js';
import type { Store } from '../src/store/store.js';
import type { TicketChanges, TicketPrecondition } from '../src/store/tickets.js';
import { conditionalWriteModes, openTestStore } from './support/database.js';
import { fileTicket, testDesk } from './support/desk.js';
import { people } from './support/workspace.js';

/**
 * Every kind of precondition a workflow puts on a ticket change, applied by the store in both of its
 * branches: MongoDB's (the precondition in findOneAndUpdate's filter, which production runs) and the
 * embedded FerretDB's (read, check in TypeScript, write, under the write guard). Each must let the
 * change through exactly when the precondition holds, and write nothing otherwise.
 */
const at = new Date('2026-11-02T09:00:00Z');
const before = new Date(at.getTime() - 1);

interface Case {
  name: string;
  /** The ticket's state, set by hand before the change is tried (a claim is made through the store). */
  state?: TicketChanges;
  claimedBy?: number;
  releasedClaim?: boolean;
  precondition: (ticket: { version: number }) => TicketPrecondition;
  applies: boolean;
}

const cases: Case[] = [
  { name: 'status in the list', precondition: () => ({ status: ['new', 'open'] }), applies: true },
  {
    name: 'status not in the list',
    state: { status: 'pending' },
    precondition: () => ({ status: ['new', 'open'] }),
    applies: false,
  },
  { name: 'nobody has it', precondition: () => ({ assignee: null }), applies: true },
  {
    name: 'somebody has it',
    state: { assignee: people.ana },
    precondition: () => ({ assignee: null }),
    applies: false,
  },
  { name: 'its group', precondition: () => ({ groupIds: [10] }), applies: true },
  { name: 'another group', precondition: () => ({ groupIds: [20] }), applies: false },
  { name: 'the version seen', precondition: (ticket) => ({ version: ticket.version }), applies: true },
  { name: 'an older version', precondition: (ticket) => ({ version: ticket.version - 1 }), applies: false },
  { name: 'not merged', precondition: () => ({ notMerged: true }), applies: true },
  { name: 'merged', state: { mergedInto: 999 }, precondition: () => ({ notMerged: true }), applies: false },
  { name: 'no merge into it, never claimed', precondition: () => ({ notMergeTarget: true }), applies: true },
  {
    name: 'no merge into it, claim let go',
    claimedBy: 998,
    releasedClaim: true,
    precondition: () => ({ notMergeTarget: true }),
    applies: true,
  },
  { name: 'a merge into it under way', claimedBy: 998, precondition: () => ({ notMergeTarget: true }), applies: false },
  {
    name: 'pending long enough',
    state: { status: 'pending', pendingSince: before },
    precondition: () => ({ pendingSinceAtOrBefore: at }),
    applies: true,
  },
  {
    name: 'pending too recently',
    state: { status: 'pending', pendingSince: at },
    precondition: () => ({ pendingSinceAtOrBefore: before }),
    applies: false,
  },
  {
    name: 'solved long enough',
    state: { status: 'solved', solvedAt: at },
    precondition: () => ({ solvedAtOrBefore: at }),
    applies: true,
  },
  {
    name: 'solved too recently',
    state: { status: 'solved', solvedAt: at },
    precondition: () => ({ solvedAtOrBefore: before }),
    applies: false,
  },
  { name: 'not a problem yet', precondition: () => ({ fields: { problem: { $ne: true } } }), applies: true },
  {
    name: 'already a problem',
    state: { problem: true },
    precondition: () => ({ fields: { problem: { $ne: true } } }),
    applies: false,
  },
  {
    name: 'a merge at its step',
    state: { merge: { into: 999, state: 'closing', by: people.ana } },
    precondition: () => ({ fields: { 'merge.state': 'closing' } }),
    applies: true,
  },
  {
    name: 'a merge past its step',
    state: { merge: { into: 999, state: 'done', by: people.ana } },
    precondition: () => ({ fields: { 'merge.state': 'closing' } }),
    applies: false,
  },
  {
    name: 'a marker not yet set',
    precondition: () => ({ fields: { 'mergedFrom.n997': { $exists: false } } }),
    applies: true,
  },
];

describe.each(conditionalWriteModes())('a conditional ticket change (%s)', (conditionalWrites) => {
  let store: Store;
  let desk: ReturnType<typeof testDesk>;
  beforeAll(async () => {
    store = await openTestStore('conditional', { conditionalWrites });
    desk = testDesk(store);
  });
  afterAll(async () => {
    await desk.settled();
    await store.close();
  });

  it('takes the branch it was opened with', () => {
    expect(store.tickets.conditionalWrites).toBe(conditionalWrites);
  });

  it('gives agents asking for the next ticket at once one ticket each, the oldest, oldest first', async () => {
    // In a group of this test's own, so no other test's tickets are in its queue.
    const group = conditionalWrites === 'in-filter' ? 901 : 902;
    const filed = [];
    for (let index = 0; index < 8; index++) {
      const ticket = await fileTicket(desk);
      await store.tickets.change(ticket.number, {}, { groupId: group }, [], at);
      filed.push(ticket.number);
    }
    const agents = Array.from({ length: 6 }, (_, index) => `UCLAIM${index}`);
    const claimed = await Promise.all(
      agents.map((agent) =>
        store.tickets.claimOldest(
          [group],
          agent,
          ticketEvent('taken', { kind: 'agent', id: agent }, at, {
            from: { assignee: null },
            to: { assignee: agent, status: 'open' },
          }),
          at,
        ),
      ),
    );
    expect(claimed.map((ticket) => ticket!.number).sort((a, b) => a - b)).toEqual(filed.slice(0, 6));
    expect(new Set(claimed.map((ticket) => ticket!.assignee)).size).toBe(6);
    for (const ticket of claimed) expect((await store.tickets.get(ticket!.number))!.assignee).toBe(ticket!.assignee);
    const rest = await Promise.all(
      agents.map((agent) =>
        store.tickets.claimOldest(
          [group],
          agent,
          ticketEvent('taken', { kind: 'agent', id: agent }, at, {
            from: { assignee: null },
            to: { assignee: agent, status: 'open' },
          }),
          at,
        ),
      ),
    );
    expect(
      rest
        .filter((ticket) => ticket !== null)
        .map((ticket) => ticket!.number)
        .sort((a, b) => a - b),
    ).toEqual(filed.slice(6));
  });

  it.each(cases.map((testCase) => [testCase.name, testCase] as const))('%s', async (_, testCase) => {
    const filed = await fileTicket(desk);
    if (testCase.state) await store.tickets.change(filed.number, {}, testCase.state, [], at);
    if (testCase.claimedBy)
      await store.tickets.claimMergeTarget(filed.number, testCase.claimedBy, people.ana, ['new'], at);
    if (testCase.releasedClaim) await store.tickets.releaseMergeClaim(filed.number, testCase.claimedBy!);
    const ticket = (await store.tickets.get(filed.number))!;

    const changed = await store.tickets.change(
      ticket.number,
      testCase.precondition(ticket),
      { priority: 'urgent' },
      ticketEvent('priority_changed', { kind: 'agent', id: people.ben }, at, {
        from: { priority: ticket.priority },
        to: { priority: 'urgent' },
      }),
      at,
    );
    const now = (await store.tickets.get(ticket.number))!;
    if (testCase.applies) {
      expect(changed).toMatchObject({ priority: 'urgent', version: ticket.version + 1 });
      expect(now).toMatchObject({ priority: 'urgent', version: ticket.version + 1 });
    } else {
      expect(changed).toBeNull();
      expect(now).toMatchObject({ priority: ticket.priority, version: ticket.version });
      expect(
        (await store.tickets.withOutbox(ticket.number))!.outbox.filter((event) => event.action === 'priority_changed'),
      ).toEqual([]);
    }
  });
});
