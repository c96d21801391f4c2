import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Store } from '../../src/store/store.js';
import type { ConditionalWrites } from '../../src/store/tickets.js';

export interface TestStoreOptions {
  /** A database name of its own (else one made from the label). */
  dbName?: string;
  /** Which branch conditional changes take; the run's choice (see conditionalWritesOfRun) unless given. */
  conditionalWrites?: ConditionalWrites;
}

/** A fresh database of its own for a test file (or a test), on the run's shared server. */
export async function openTestStore(label = 'test', options: TestStoreOptions = {}): Promise<Store> {
  const name = options.dbName ?? testDatabaseName(label);
  const conditionalWrites = options.conditionalWrites ?? conditionalWritesOfRun();
  return Store.open({ uri: inject('mongodbUri'), dbName: name, ...(conditionalWrites ? { conditionalWrites } : {}) });
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
