import { expect } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { queueRank } from '../../src/store/waiting-tickets.js';

/**
 * The read models kept as events happen, compared with a recomputation from the tickets: the Home's
 * tests run it after every action (startTestDesk's afterSettled), so a write path that forgets its
 * read model fails the story that took it, instead of drifting unseen.
 */
export async function expectReadModelsMatchTickets(store: Store): Promise<void> {
  const byNumber = (entries: readonly { number: number; groupId: number; rank: number; createdAt: Date }[]) =>
    entries
      .map((entry) => ({
        number: entry.number,
        groupId: entry.groupId,
        rank: entry.rank,
        createdAt: new Date(entry.createdAt).getTime(),
      }))
      .sort((a, b) => a.number - b.number);
  const kept = byNumber(await store.waiting.all());
  const recomputed = byNumber(
    (await store.tickets.waitingNow()).map((ticket) => ({ ...ticket, rank: queueRank(ticket.priority) })),
  );
  expect(kept, 'the queue’s collection (waiting_tickets) against the tickets waiting now').toEqual(recomputed);
}
