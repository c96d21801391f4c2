import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/store/store.js';
import { exclusively } from '../src/store/write-guard.js';
import { openTestStore } from './support/database.js';

/**
 * Slack's 3 seconds start before deskbolt acts: the write that makes a request "seen" must not wait in
 * the write guard's queue behind claims that scan tickets, and must still let only the first of many
 * concurrent deliveries through (the unique index decides, atomically on FerretDB as on MongoDB).
 */
describe('the acknowledgement’s write', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore('ackwrite');
  });
  afterAll(async () => {
    await store.close();
  });

  it('records a request id while a slow conditional write holds the queue', async () => {
    let releaseQueue!: () => void;
    const held = exclusively(() => new Promise<void>((resolve) => (releaseQueue = resolve)));
    const queuedUpdate = store.models.Counter.findOneAndUpdate(
      { _id: 'behind-the-scan' },
      { $inc: { seq: 1 } },
      { upsert: true, new: true },
    );
    const now = new Date('2026-03-02T09:00:00Z');
    try {
      // Resolves only if the insert passes the held queue: otherwise the test times out here.
      expect(await store.seen.firstTime('event:Ev-while-held', now, 60_000)).toBe(true);
      expect(await store.seen.firstTime('event:Ev-while-held', now, 60_000)).toBe(false);
    } finally {
      releaseQueue();
    }
    await Promise.all([held, queuedUpdate]);
    expect((await store.models.Counter.findById('behind-the-scan').lean())?.seq).toBe(1);
  }, 5_000);

  it('lets exactly one of 20 concurrent deliveries of one id through, while claims write around it', async () => {
    const now = new Date('2026-03-02T09:00:00Z');
    const ids = ['event:Ev-replayed', 'action:A-double-click', 'signature:v0=abc'];
    const counterWrites = Array.from({ length: 40 }, () =>
      store.models.Counter.findOneAndUpdate(
        { _id: 'around-the-acks' },
        { $inc: { seq: 1 } },
        { upsert: true, new: true },
      ),
    );
    const deliveries = ids.flatMap((id) =>
      Array.from({ length: 20 }, () => store.seen.firstTime(id, now, 60_000).then((first) => ({ id, first }))),
    );
    const [answers] = await Promise.all([Promise.all(deliveries), Promise.all(counterWrites)]);
    for (const id of ids) {
      expect(answers.filter((answer) => answer.id === id && answer.first)).toHaveLength(1);
    }
    expect((await store.models.Counter.findById('around-the-acks').lean())?.seq).toBe(40);
    expect(await store.models.SeenId.countDocuments({ _id: { $in: ids } })).toBe(3);
  });
});
