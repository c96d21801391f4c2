import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchesPrecondition } from '../src/store/precondition-match.js';
import type { Store } from '../src/store/store.js';
import { openTestStore } from './support/database.js';

/**
 * On FerretDB the store checks a change's precondition itself (between a read and a write that no
 * other write can come between). It must answer exactly as the database would: each filter below is
 * put to the real server and to the matcher, document by document.
 */
const at = new Date('2026-11-02T09:00:00Z');
const later = new Date('2026-11-05T09:00:00Z');

const documents = [
  {
    _id: 1,
    status: 'pending',
    assignee: null,
    groupId: 10,
    version: 3,
    mergedInto: null,
    pendingSince: at,
    merge: { state: 'closing' },
  },
  { _id: 2, status: 'open', assignee: 'UANA', groupId: 20, version: 1, mergedInto: 7, problem: true },
  { _id: 3, status: 'solved', groupId: 10, version: 2, solvedAt: later, problemOf: 9 },
];

const filters: Record<string, unknown>[] = [
  { status: { $in: ['new', 'open'] } },
  { assignee: null },
  { assignee: 'UANA' },
  { groupId: { $in: [10] }, version: 3 },
  { mergedInto: null },
  { pendingSince: { $lte: later } },
  { pendingSince: { $lte: new Date('2026-11-01T00:00:00Z') } },
  { solvedAt: { $lte: later } },
  { problem: { $ne: true } },
  { problemOf: null },
  { merge: null },
  { 'merge.state': 'closing' },
  { 'merge.state': { $exists: false } },
  { 'merge.done': { $exists: true } },
  { status: { $in: ['pending', 'solved'] }, mergedInto: null, problemOf: null },
  { version: { $gt: 1 } },
  { version: { $gte: 2 } },
  { version: { $lt: 3 } },
  { pendingSince: { $lt: later } },
  { solvedAt: { $gt: at } },
];

describe('a precondition checked by the store answers as the database does', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore('match');
    await store.connection.db!.collection('match').insertMany(documents as never[]);
  });
  afterAll(async () => {
    await store.close();
  });

  it.each(filters.map((filter) => [JSON.stringify(filter), filter] as const))('%s', async (_, filter) => {
    const found = await store.connection.db!.collection('match').find(filter).toArray();
    const byServer = new Set(found.map((document) => document._id as unknown as number));
    const byMatcher = new Set(
      documents.filter((document) => matchesPrecondition(document, filter)).map((document) => document._id),
    );
    expect(byMatcher).toEqual(byServer);
  });

  it('refuses an operator it does not know rather than guess', () => {
    expect(() => matchesPrecondition(documents[0], { version: { $mod: [2, 1] } })).toThrow(/\$mod is not supported/);
  });
});
