import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { inject } from 'vitest';
import { Store } from '../../src/store/store.js';
import type { ConditionalWrites } from '../../src/store/tickets.js';

export interface TestStoreOptions {
  /** A database name of its own (else one made from the label). */
  dbName?: string;
  /** Which branch conditional changes take; the run's choice (see conditionalWritesOfRun) unless given. */
  conditionalWrites?: ConditionalWrites;
}

/**
 * A fresh database of its own for a test file (or a test), on the run's shared server: an empty one
 * another test of this worker closed (see reusedDatabase), else a new one. It is the test's until
 * every store opened on it is closed; a test that reopens a database later names it (testDatabaseName).
 */
export async function openTestStore(label = 'test', options: TestStoreOptions = {}): Promise<Store> {
  const name = options.dbName ?? (await reusedDatabase()) ?? testDatabaseName(label);
  const conditionalWrites = options.conditionalWrites ?? conditionalWritesOfRun();
  const store = await Store.open({
    uri: inject('mongodbUri'),
    dbName: name,
    ...(conditionalWrites ? { conditionalWrites } : {}),
  });
  if (!options.dbName || storesOpenOn.has(name)) giveBackWhenClosed(name, store);
  return store;
}

/**
 * Creating a database's thirty collections and their indexes is most of a store's start on FerretDB
 * (two seconds on a busy machine, against a fifth of that for a database whose collections exist),
 * and the suite opens hundreds, many one per test. So a database openTestStore named is emptied when
 * its last store closes and the next store of this worker opens on it: no document in any
 * collection, which is all a fresh database is to a test. Only names made here are taken back: a
 * test that names a database may pass the name on (to a spawned deskbolt) and reopen it later.
 */
const emptied: Promise<string | null>[] = [];
/** How many stores are open on each database openTestStore named. */
const storesOpenOn = new Map<string, number>();
let emptier: mongoose.mongo.MongoClient | undefined;

function giveBackWhenClosed(name: string, store: Store): void {
  storesOpenOn.set(name, (storesOpenOn.get(name) ?? 0) + 1);
  const close = store.close.bind(store);
  let closed = false;
  store.close = async () => {
    await close();
    if (closed) return;
    closed = true;
    const open = storesOpenOn.get(name)! - 1;
    if (open > 0) {
      storesOpenOn.set(name, open);
      return;
    }
    storesOpenOn.delete(name);
    emptied.push(emptyDatabase(name));
  };
}

async function emptyDatabase(name: string): Promise<string | null> {
  try {
    emptier ??= await mongoose.mongo.MongoClient.connect(inject('mongodbUri'), { serverSelectionTimeoutMS: 10_000 });
    const db = emptier.db(name);
    const collections = await db.listCollections({}, { nameOnly: true }).toArray();
    await Promise.all(collections.map(({ name: collection }) => db.collection(collection).deleteMany({})));
    return name;
  } catch {
    // Left as it is, never reused: the test that wants a database gets a new one.
    return null;
  }
}

/** The oldest database emptied for reuse, if any. */
async function reusedDatabase(): Promise<string | undefined> {
  while (emptied.length > 0) {
    const name = await emptied.shift()!;
    if (name !== null) return name;
  }
  return undefined;
}

/**
 * When a test file is done (test/support/reuse-databases.ts): databases still being emptied are
 * finished, and the emptier's connection closed, so nothing of this file runs into the next one.
 */
export async function finishEmptying(): Promise<void> {
  await Promise.all(emptied);
  await emptier?.close();
  emptier = undefined;
}

/**
 * `TEST_CONDITIONAL_WRITES=in-filter npm test` runs the whole suite on the branch MongoDB uses (one
 * findOneAndUpdate with the precondition in its filter), on the embedded FerretDB as well; unset, each
 * store takes its server's own branch. The concurrency and precondition tests run both either way.
 */
export function conditionalWritesOfRun(): ConditionalWrites | undefined {
  const chosen = process.env.TEST_CONDITIONAL_WRITES;
  if (chosen === undefined || chosen === '') return undefined;
  if (chosen !== 'in-filter' && chosen !== 'read-check-write')
    throw new Error(`TEST_CONDITIONAL_WRITES is "${chosen}"; use in-filter or read-check-write`);
  return chosen;
}

/**
 * The branches a concurrency or precondition test runs in, for `describe.each`: both on the embedded
 * FerretDB (whose write guard makes either atomic), only `in-filter` on MongoDB (read-check-write
 * needs the guard).
 */
export function conditionalWriteModes(): ConditionalWrites[] {
  return inject('conditionalWriteModes');
}

export function testDatabaseName(label: string): string {
  return `t_${label.replace(/[^a-z0-9]/gi, '').slice(0, 20)}_${randomBytes(4).toString('hex')}`;
}
