import { expect } from 'vitest';
import { EMPTY_GROUP, EMPTY_PERSON } from '../../src/store/homes.js';
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

/**
 * Every read model a Home is read from (the queue's collection, which a group's queue part is read
 * from, and the Homes' documents): the Home's tests run it after every action (afterSettled).
 */
export async function expectHomeReadModelsMatchTickets(store: Store): Promise<void> {
  await expectReadModelsMatchTickets(store);
  await expectHomesMatchTickets(store);
}

/**
 * The Homes' documents (src/store/homes.ts) against a recomputation of each from the tickets, chats and
 * transfers, for every person and group that has one or should: a part never written counts as empty.
 */
export async function expectHomesMatchTickets(store: Store): Promise<void> {
  const { persons, groups } = await store.homes.subjectsNow();
  const kept = await store.homes.kept();
  for (const user of persons) {
    const recomputed = { ...EMPTY_PERSON, ...(await store.homes.personNow(user)) };
    expect({ ...EMPTY_PERSON, ...kept.persons.get(user) }, `the Home document of ${user} against its tickets`).toEqual(
      recomputed,
    );
  }
  for (const groupId of groups) {
    const recomputed = { ...EMPTY_GROUP, ...(await store.homes.groupNow(groupId)) };
    expect({ ...EMPTY_GROUP, ...kept.groups.get(groupId) }, `the Home document of group ${groupId}`).toEqual(
      recomputed,
    );
  }
}
