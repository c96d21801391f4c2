import { describe, expect, it } from 'vitest';
import { isDuplicateKey } from '../src/store/documents.js';
import { openTestStore, testDatabaseName } from './support/database.js';

/**
 * The indexes a store builds at start. On MongoDB every declared one (the index-coverage test holds
 * the queries to them). On the embedded FerretDB v1, which answers no query from an index but `_id`'s
 * yet updates every index of each document it writes, only the unique ones: they keep numbers, ids
 * and claims unique.
 */
describe('the indexes built at start', () => {
  it('builds what the server uses: on FerretDB v1 the unique indexes only, dropping others an earlier version left', async () => {
    const dbName = testDatabaseName('indexes');
    const first = await openTestStore('indexes', { dbName });
    const onFerretDbV1 = first.server.ferretDb?.startsWith('v1.') ?? false;
    const tickets = first.models.Ticket.collection;
    // What an earlier version built: a queue index the server never reads from.
    await tickets.createIndex({ groupId: 1, createdAt: 1 }, { name: 'left_by_an_earlier_version' });
    await first.close();

    const store = await openTestStore('indexes', { dbName });
    try {
      const names = (await store.models.Ticket.collection.indexes()).map((index) => index.name);
      if (onFerretDbV1) {
        expect(names).not.toContain('left_by_an_earlier_version');
        expect(names.sort()).toEqual(['_id_', 'number_1']);
      } else {
        expect(names).toContain('groupId_1_assignee_1_status_1_mergedInto_1_createdAt_1_number_1');
      }
      // Either way the unique number holds: a second ticket #1001 is refused by the server.
      await store.models.Ticket.collection.insertOne({ _id: 'a', number: 1001 } as never);
      const second = await store.models.Ticket.collection
        .insertOne({ _id: 'b', number: 1001 } as never)
        .catch((error: unknown) => error);
      expect(isDuplicateKey(second)).toBe(true);
    } finally {
      await store.connection.dropDatabase();
      await store.close();
    }
  });
});
