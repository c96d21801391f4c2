import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/store/store.js';
import { openTestStore } from './support/database.js';
import { startTestDesk } from './support/harness.js';

/**
 * FerretDB v1's writes are atomic inside one process only (the write guard), so a second deskbolt
 * process on one FerretDB is unsafe: it says so in its log when it starts, plainly.
 */
describe('a second deskbolt process on one FerretDB', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore('replicas');
  });
  afterAll(async () => {
    await store.close();
  });

  const onFerretDb = () => store.server.ferretDb?.startsWith('v1.') === true;

  it('is warned of in the log at start, naming the other process; a process of this host that died is not', async () => {
    if (!onFerretDb()) return; // MongoDB's writes are atomic across processes: nothing to warn of.
    const replicas = store.connection.db!.collection<{ _id: string; host: string; pid: number; seenAt: Date }>(
      'replicas',
    );
    // A process on this host that is gone (pid far above any live one), and one on another machine.
    await replicas.insertOne({
      _id: 'this-host:dead',
      host: (await import('node:os')).hostname(),
      pid: 2 ** 22 + 7,
      seenAt: new Date(),
    });
    const logs: string[] = [];
    const alone = await startTestDesk({ store, logs });
    await alone.close();
    expect(logs.filter((line) => line.includes('UNSAFE'))).toEqual([]);

    await replicas.insertOne({ _id: 'other-host:4242', host: 'other-host', pid: 4242, seenAt: new Date() });
    const second = await startTestDesk({ store, logs });
    await second.close();
    expect(logs.filter((line) => line.includes('UNSAFE'))).toEqual([
      expect.stringContaining('another deskbolt (other-host process 4242) is using this FerretDB'),
    ]);
  });
});
