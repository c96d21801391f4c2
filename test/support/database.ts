import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Store } from '../../src/store/store.js';

/** A fresh database of its own for a test file (or a test), on the run's shared server. */
export async function openTestStore(label = 'test', dbName?: string): Promise<Store> {
  const name = dbName ?? testDatabaseName(label);
  return Store.open({ uri: inject('mongodbUri'), dbName: name });
}

export function testDatabaseName(label: string): string {
  return `t_${label.replace(/[^a-z0-9]/gi, '').slice(0, 20)}_${randomBytes(4).toString('hex')}`;
}
