import type { Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeskbolt } from '../src/deskbolt.js';
import type { FakeSlack } from '../src/fake-slack/server.js';
import { chatsEachSideLastMessage } from '../src/store/migrations/0001-chats-each-side-last-message.js';
import {
  emailThreadIndexWithUid,
  SUPERSEDED_EMAIL_THREAD_INDEX,
} from '../src/store/migrations/0002-email-thread-index-with-uid.js';
import {
  latestMigration,
  MIGRATIONS,
  MIGRATIONS_LEASE,
  type Migration,
  type MigrationContext,
  migrationLevel,
  runMigrations,
} from '../src/store/migrations/index.js';
import type { Store } from '../src/store/store.js';
import { TestClock } from './support/clock.js';
import { openTestStore } from './support/database.js';
import { fakeSlackConfig, startTestFake } from './support/harness.js';
import { testWorkspace } from './support/workspace.js';

/**
 * Each migration starts from data as an older deskbolt left it (documents inserted in the older
 * shape), runs, and leaves the new shape; run again, it changes nothing. Each test has a database of
 * its own: migrations are recorded per database.
 */
const clock = new TestClock();
const lines: string[] = [];
const context: MigrationContext = { now: clock.now, log: (line) => lines.push(line), keepLease: async () => true };
const stores: Store[] = [];

async function freshStore(): Promise<{ store: Store; db: Db }> {
  const store = await openTestStore('migrations');
  stores.push(store);
  return { store, db: store.connection.db! };
}

function run(store: Store, owner = 'replica-a', migrations?: readonly Migration[]) {
  return runMigrations(store.connection.db!, store.leases, {
    owner,
    now: clock.now,
    log: (line) => lines.push(line),
    waitStepMs: 10,
    ...(migrations ? { migrations } : {}),
  });
}

/** Everything a collection holds, in _id order: what "nothing changed" is compared on. */
function all(db: Db, collection: string) {
  return db.collection(collection).find({}).sort({ _id: 1 }).toArray();
}

afterAll(async () => {
  for (const store of stores) await store.close();
});

const started = new Date('2026-11-20T09:00:00Z');
const minutes = (n: number) => new Date(started.getTime() + n * 60_000);

/** A chat and its messages as a deskbolt from before "My live chats" stored them: no side's last time on the chat. */
async function olderChats(db: Db): Promise<void> {
  const chat = (number: number, state: string, extra: object = {}) => ({
    _id: String(number),
    requester: `UREQ${number}`,
    requesterDm: `DREQ${number}`,
    agent: state === 'waiting' ? null : 'UANA0001',
    groupId: 10,
    thread: { channel: 'CQUEUE', ts: `${number}.0001` },
    state,
    startedAt: started,
    lastActivityAt: minutes(9),
    endedAt: state === 'ended' ? minutes(10) : null,
    shownActive: false,
    openKey: state === 'ended' ? `ended:${number}` : `UREQ${number}`,
    ...extra,
  });
  await db
    .collection('chats')
    .insertMany([chat(501, 'live'), chat(502, 'live'), chat(503, 'waiting'), chat(504, 'ended')] as never[]);
  const comment = (ticket: number, n: number, kind: string, author: string, at: Date) => ({
    _id: `c${ticket}-${n}`,
    ticketNumber: ticket,
    kind,
    author: { kind: author, id: author === 'agent' ? 'UANA0001' : `UREQ${ticket}` },
    text: `message ${n}`,
    createdAt: at,
  });
  await db.collection('comments').insertMany([
    // 501: the requester wrote last.
    comment(501, 1, 'public', 'requester', minutes(1)),
    comment(501, 2, 'public', 'agent', minutes(2)),
    comment(501, 3, 'public', 'requester', minutes(5)),
    comment(501, 4, 'internal', 'agent', minutes(7)),
    // 502: the agent answered last.
    comment(502, 1, 'public', 'requester', minutes(1)),
    comment(502, 2, 'public', 'agent', minutes(6)),
    // 503: waiting, no message after the first (which opened the ticket).
    // 504: ended: never listed, left as it was.
    comment(504, 1, 'public', 'requester', minutes(3)),
  ] as never[]);
}

describe('migration 1: chats learn when each side last wrote', () => {
  it('sets both sides from the public comments of live and waiting chats, and leaves ended ones', async () => {
    const { store, db } = await freshStore();
    await olderChats(db);
    const { applied } = await run(store);
    expect(applied.map((record) => record.name)).toEqual(MIGRATIONS.map((migration) => migration.name));
    const chats = new Map((await all(db, 'chats')).map((chat) => [chat._id as unknown as string, chat]));
    expect(chats.get('501')).toMatchObject({ lastRequesterAt: minutes(5), lastAgentAt: minutes(2) });
    expect(chats.get('502')).toMatchObject({ lastRequesterAt: minutes(1), lastAgentAt: minutes(6) });
    // No message yet: the requester's is the one that started it, and no agent has answered.
    expect(chats.get('503')!.lastRequesterAt).toEqual(started);
    expect(chats.get('503')).not.toHaveProperty('lastAgentAt');
    expect(chats.get('504')).not.toHaveProperty('lastRequesterAt');
  });

  it('run again, or over its own half-done work (a start cut short), changes nothing', async () => {
    const { store, db } = await freshStore();
    await olderChats(db);
    // Cut half-way: the migration did its work on the chats, and the process died before recording it.
    await chatsEachSideLastMessage.up(db, context);
    const halfDone = await all(db, 'chats');
    const { applied } = await run(store);
    expect(applied.map((record) => record.number)).toContain(1);
    expect(await all(db, 'chats')).toEqual(halfDone);
    await chatsEachSideLastMessage.up(db, context);
    expect(await all(db, 'chats')).toEqual(halfDone);
  });

  it('never moves a time back that a message relayed meanwhile set', async () => {
    const { db } = await freshStore();
    await olderChats(db);
    await db.collection('chats').updateOne({ _id: '501' as never }, { $set: { lastAgentAt: minutes(30) } });
    await chatsEachSideLastMessage.up(db, context);
    expect(await db.collection('chats').findOne({ _id: '501' as never })).toMatchObject({
      lastRequesterAt: minutes(5),
      lastAgentAt: minutes(30),
    });
  });
});

describe('migration 2: the mail thread index with uid', () => {
  it('drops the older (ticketNumber, at) index and keeps the others; again, nothing to do', async () => {
    const { store, db } = await freshStore();
    const emails = db.collection('email_messages');
    // The older deskbolt's index, built as its start built it.
    await emails.createIndex({ ticketNumber: 1, at: -1 });
    expect((await emails.indexes()).map((index) => index.name)).toContain(SUPERSEDED_EMAIL_THREAD_INDEX);
    const others = (await emails.indexes())
      .map((index) => index.name)
      .filter((name) => name !== SUPERSEDED_EMAIL_THREAD_INDEX);
    await run(store);
    expect((await emails.indexes()).map((index) => index.name).sort()).toEqual([...others].sort());
    await emailThreadIndexWithUid.up(db, context);
    expect((await emails.indexes()).map((index) => index.name).sort()).toEqual([...others].sort());
  });

  it('has nothing to do on a database without mail', async () => {
    const { db } = await freshStore();
    await db
      .collection('email_messages')
      .drop()
      .catch(() => undefined);
    await emailThreadIndexWithUid.up(db, context);
    expect(await db.listCollections({ name: 'email_messages' }).toArray()).toEqual([]);
  });
});

describe('the migrations run', () => {
  it('records each one (number, name, time) and runs none twice', async () => {
    const { store, db } = await freshStore();
    const first = await run(store);
    expect(first.level).toBe(latestMigration());
    const records = await all(db, 'migrations');
    expect(records).toEqual(
      MIGRATIONS.map((migration) => ({
        _id: String(migration.number).padStart(4, '0'),
        number: migration.number,
        name: migration.name,
        appliedAt: clock.now(),
      })),
    );
    const again = await run(store);
    expect(again).toEqual({ applied: [], level: latestMigration() });
    expect(await all(db, 'migrations')).toEqual(records);
    expect(await migrationLevel(db)).toBe(latestMigration());
  });

  it('runs each once when two replicas start together, the second waiting for the first', async () => {
    const { store } = await freshStore();
    const runs: number[] = [];
    let release!: () => void;
    const firstHeld = new Promise<void>((resolve) => {
      release = resolve;
    });
    const counted: Migration[] = [
      {
        number: 1,
        name: 'slow-one',
        async up() {
          runs.push(1);
          await firstHeld;
        },
      },
      { number: 2, name: 'quick-one', up: async () => void runs.push(2) },
    ];
    const a = run(store, 'replica-a', counted);
    // b starts while a holds the lease inside migration 1.
    while (runs.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const b = run(store, 'replica-b', counted);
    while (!lines.some((line) => line.includes('another deskbolt process is migrating')))
      await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    const [ofA, ofB] = await Promise.all([a, b]);
    expect(runs).toEqual([1, 2]);
    expect(ofA.applied.map((record) => record.number)).toEqual([1, 2]);
    expect(ofB).toEqual({ applied: [], level: 2 });
    expect(await store.leases.holder(MIGRATIONS_LEASE)).toEqual({ owner: null, expiresAt: null });
  });

  it('a failing one stops there: nothing after it runs or is recorded, the lease is freed, the next start runs it again', async () => {
    const { store, db } = await freshStore();
    const runs: string[] = [];
    let broken = true;
    const migrations: Migration[] = [
      { number: 1, name: 'fine', up: async () => void runs.push('fine') },
      {
        number: 2,
        name: 'breaks',
        async up() {
          runs.push('breaks');
          if (broken) throw new Error('the disk is full');
        },
      },
      { number: 3, name: 'after', up: async () => void runs.push('after') },
    ];
    await expect(run(store, 'replica-a', migrations)).rejects.toThrow(
      'migration 2 (breaks) failed: the disk is full; nothing after it ran, and the next start runs it again',
    );
    expect((await all(db, 'migrations')).map((record) => record.name)).toEqual(['fine']);
    expect((await store.leases.holder(MIGRATIONS_LEASE))?.owner).toBeNull();
    broken = false;
    const { applied } = await run(store, 'replica-b', migrations);
    expect(applied.map((record) => record.name)).toEqual(['breaks', 'after']);
    expect(runs).toEqual(['fine', 'breaks', 'breaks', 'after']);
  });
});

describe('a start', () => {
  let fake: FakeSlack;
  beforeAll(async () => {
    fake = await startTestFake();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('migrates before it serves, and a failing migration stops it with a line that names it', async () => {
    const { store, db } = await freshStore();
    const log: string[] = [];
    const failing: Migration[] = [
      {
        number: 1,
        name: 'needs-a-field',
        async up() {
          throw new Error('ticket 7 has no groupId');
        },
      },
    ];
    await expect(
      startDeskbolt({
        config: fakeSlackConfig(fake),
        workspace: testWorkspace(),
        store,
        clock: clock.now,
        log: (line) => log.push(line),
        schedule: false,
        migrations: failing,
      }),
    ).rejects.toThrow('migration 1 (needs-a-field) failed');
    expect(log).toContain(
      'deskbolt: not started, the database could not be brought up to date: migration 1 (needs-a-field) failed: ticket 7 has no groupId; nothing after it ran, and the next start runs it again',
    );
    expect(await db.collection('migrations').countDocuments()).toBe(0);

    const deskbolt = await startDeskbolt({
      config: fakeSlackConfig(fake),
      workspace: testWorkspace(),
      store,
      clock: clock.now,
      log: (line) => log.push(line),
      schedule: false,
    });
    try {
      expect(await migrationLevel(db)).toBe(latestMigration());
    } finally {
      await deskbolt.close();
    }
  });
});
