import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Db, Document, MongoClient } from 'mongodb';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type ArchiveHeader,
  BackupRefusal,
  backupDatabase,
  READ_MODEL_MARKS,
  RESTORE_MARK,
  restoreDatabase,
  verifyArchive,
} from '../src/store/backup.js';
import { EMBEDDED_DATABASE, startEmbeddedDatabase } from '../src/store/embedded.js';
import type { TicketFile } from '../src/store/files.js';
import { runMigrations } from '../src/store/migrations/index.js';
import { Store } from '../src/store/store.js';
import { openTestStore, testDatabaseName } from './support/database.js';
import { fileTicket, testDesk } from './support/desk.js';

/**
 * `npm run backup` and `npm run restore` keep everything: each test backs up a database of its own
 * (tickets filed through the workflows, a GridFS file over several chunks, a document of every BSON
 * type the desk's data can hold) and restores it into a database that did not exist, then compares
 * them value by value, type by type, in the driver's canonical EJSON. Run on the suite's server: the
 * embedded FerretDB, or MONGODB_URI when the run is given one. The last describe runs the scripts as
 * an operator does, on the embedded server of a DATA_DIR.
 */
const { EJSON, ObjectId, Long, Int32, Double, Binary } = mongoose.mongo.BSON;
const VERSION = '0.1.0-test';

let client: MongoClient;
let folder: string;
const stores: Store[] = [];

beforeAll(async () => {
  client = await new mongoose.mongo.MongoClient(inject('mongodbUri')).connect();
  folder = await mkdtemp(join(tmpdir(), 'deskbolt-backup-'));
});
afterAll(async () => {
  for (const store of stores) await store.close();
  await client.close();
  await rm(folder, { recursive: true, force: true });
});

let files = 0;
const archivePath = () => join(folder, `backup-${++files}.jsonl.gz`);

/** Every collection, each document in canonical EJSON, in _id order: equal means equal types too. */
async function dump(db: Db): Promise<Map<string, string[]>> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray())
    .map((collection) => collection.name)
    .filter((name) => !name.startsWith('system.'))
    .sort();
  const all = new Map<string, string[]>();
  for (const name of names) {
    const documents = await db
      .collection(name)
      .find({}, { promoteValues: false, promoteBuffers: false })
      .sort({ _id: 1 })
      .toArray();
    all.set(
      name,
      documents.map((document) => EJSON.stringify(document, { relaxed: false })),
    );
  }
  return all;
}

/** What a restore of that database holds: all of it but the read models' marks (the next start rebuilds the read models). */
function asRestored(source: Map<string, string[]>): Map<string, string[]> {
  return source.has(READ_MODEL_MARKS) ? new Map([...source, [READ_MODEL_MARKS, []]]) : source;
}

async function indexNames(db: Db): Promise<Record<string, string[]>> {
  const names: Record<string, string[]> = {};
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    if (name.startsWith('system.')) continue;
    names[name] = (await db.collection(name).indexes()).map((index) => String(index.name)).sort();
  }
  return names;
}

/** A desk with data of every kind: tickets and what they wrote, a stored file, every BSON type, migrations. */
async function seededDesk(label: string) {
  const store = await openTestStore(label);
  stores.push(store);
  const desk = testDesk(store);
  for (let i = 0; i < 3; i++) await fileTicket(desk, { subject: `Invoice ${i} — ünïcødé "quoted" <b>` });
  await desk.settled();
  const bytes = randomBytes(600_000);
  const sha256 = await store.files.putBytes('c1:0', 'invoice.pdf', 'application/pdf', bytes);
  const file: TicketFile = {
    id: 'c1:0',
    ticketNumber: 1001,
    commentId: 'c1',
    name: 'invoice.pdf',
    size: bytes.length,
    contentType: 'application/pdf',
    sha256,
    visibility: 'public',
    addedBy: { kind: 'requester', id: 'U1' },
    addedAt: new Date('2026-12-01T10:00:00.123Z'),
    stored: { bucketId: 'bytes:c1:0' },
    slack: null,
  };
  await store.files.add(file);
  await store.connection.db!.collection('every_type').insertOne({
    _id: new ObjectId('65f0c0ffee0000000000beef') as never,
    at: new Date('2026-12-08T04:05:06.789Z'),
    bigCount: Long.fromString('9007199254740993'),
    small: new Int32(5),
    ratio: new Double(5),
    bytes: new Binary(Buffer.from([0, 1, 2, 255])),
    uuid: new Binary(Buffer.from('0123456789abcdef'), Binary.SUBTYPE_UUID),
    nested: { list: [1, 'two', null, { deep: true }], empty: {} },
    text: 'line one\nline two\t<!channel> & ü',
    nothing: null,
  });
  await runMigrations(store.connection.db!, store.leases, { owner: 'seed', now: () => new Date(), log: () => {} });
  return { store, desk, file, bytes };
}

describe(`backup and restore on the run's database server (${process.env.MONGODB_URI ? 'MONGODB_URI' : 'the embedded FerretDB'})`, () => {
  it('brings back every collection, id, type, date, count and index, and stored files byte for byte', async () => {
    const { store, file, bytes } = await seededDesk('backup-round');
    const source = store.connection.db!;
    const archive = archivePath();
    const { header } = await backupDatabase(client, source.databaseName, archive, { deskboltVersion: VERSION });
    const before = await dump(source);

    expect(header).toMatchObject({ format: 'deskbolt-backup', deskbolt: VERSION, database: source.databaseName });
    expect(header.migrationLevel).toBeGreaterThanOrEqual(2);
    expect(Object.fromEntries(header.collections.map((each) => [each.name, each.count]))).toEqual(
      Object.fromEntries([...before].map(([name, documents]) => [name, documents.length])),
    );
    // Tickets, their history, the stored file's two GridFS collections (three chunks), every type.
    for (const name of ['tickets', 'events', 'counters', 'files_bytes.files', 'every_type', 'migrations'])
      expect(before.get(name)?.length, name).toBeGreaterThan(0);
    expect(before.get('files_bytes.chunks')).toHaveLength(3);

    const target = testDatabaseName('restored');
    const result = await restoreDatabase(client, target, archive);
    const restoredDb = client.db(target);
    // Everything but the read models' marks, left out so the first start rebuilds the read models.
    expect(before.get(READ_MODEL_MARKS)?.length).toBeGreaterThan(0);
    expect(await dump(restoredDb)).toEqual(asRestored(before));
    expect(result.restored).toEqual({
      ...Object.fromEntries([...before].map(([name, documents]) => [name, documents.length])),
      [READ_MODEL_MARKS]: 0,
    });
    expect(await indexNames(restoredDb)).toEqual(await indexNames(source));
    expect(await restoredDb.listCollections({ name: RESTORE_MARK }).toArray()).toEqual([]);

    // The exact types, read back as the app reads them.
    const everyType = await restoredDb.collection('every_type').findOne({}, { promoteValues: false });
    expect(everyType!._id).toBeInstanceOf(ObjectId);
    expect(everyType!.at).toEqual(new Date('2026-12-08T04:05:06.789Z'));
    expect(everyType!.bigCount).toEqual(Long.fromString('9007199254740993'));
    expect(everyType!.small).toBeInstanceOf(Int32);
    expect(everyType!.ratio).toBeInstanceOf(Double);
    expect((everyType!.uuid as InstanceType<typeof Binary>).sub_type).toBe(Binary.SUBTYPE_UUID);

    // The restored desk opens as a start opens it, and its stored file reads back byte for byte.
    const reopened = await Store.open({ uri: inject('mongodbUri'), dbName: target });
    stores.push(reopened);
    expect((await reopened.files.readBytes(file))!.equals(bytes)).toBe(true);
    expect((await reopened.tickets.get(1001))?.subject).toBe('Invoice 0 — ünïcødé "quoted" <b>');
  });

  it('refuses a database that is not empty, saying what it holds, and writes nothing into it', async () => {
    const { store } = await seededDesk('backup-full');
    const archive = archivePath();
    await backupDatabase(client, store.connection.db!.databaseName, archive, { deskboltVersion: VERSION });
    const target = testDatabaseName('occupied');
    await client
      .db(target)
      .collection('tickets')
      .insertOne({ _id: '7' as never, number: 7 });
    const before = await dump(client.db(target));
    const refusal = await restoreDatabase(client, target, archive).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(BackupRefusal);
    expect((refusal as Error).message).toBe(
      `database ${target} is not empty, so nothing was restored: it holds tickets (1). A restore goes into an empty database only: restore into a new DATA_DIR (or another MONGODB_URI database), or drop this one first if it is truly to be replaced`,
    );
    expect(await dump(client.db(target))).toEqual(before);
  });

  it('restores into a database whose collections exist but hold nothing (a start built its indexes)', async () => {
    const { store } = await seededDesk('backup-indexes');
    const archive = archivePath();
    await backupDatabase(client, store.connection.db!.databaseName, archive, { deskboltVersion: VERSION });
    const target = testDatabaseName('indexed');
    await client.db(target).collection('tickets').createIndex({ number: 1 }, { unique: true });
    await restoreDatabase(client, target, archive);
    expect(await dump(client.db(target))).toEqual(asRestored(await dump(store.connection.db!)));
  });

  it('refuses a cut, damaged or foreign file before it writes anything', async () => {
    const { store } = await seededDesk('backup-damaged');
    const archive = archivePath();
    await backupDatabase(client, store.connection.db!.databaseName, archive, { deskboltVersion: VERSION });
    const whole = await readFile(archive);

    const cut = archivePath();
    await writeFile(cut, whole);
    await truncate(cut, Math.floor(whole.length * 0.6));
    const damaged = archivePath();
    const flipped = Buffer.from(whole);
    flipped[Math.floor(whole.length / 2)]! ^= 0xff;
    await writeFile(damaged, flipped);
    // A whole gzip file whose lines say a collection held more than it does.
    const lying = archivePath();
    const lines = gunzipSync(whole).toString().split('\n');
    const withoutOneDocument = lines.filter(
      (line, index) => !(line.startsWith('{"doc":') && index === lines.findIndex((each) => each.startsWith('{"doc":'))),
    );
    await writeFile(lying, gzipSync(withoutOneDocument.join('\n')));
    const foreign = archivePath();
    await writeFile(foreign, gzipSync('{"hello":"world"}\n'));

    const expectations: [string, RegExp][] = [
      [cut, /is cut short|is damaged/],
      [damaged, /is damaged/],
      [lying, /is damaged: \S+ ends at line \d+ with \d+ document\(s\) read, \d+ written/],
      [foreign, /is not a deskbolt backup/],
      [join(folder, 'no-such-file.gz'), /does not exist/],
    ];
    for (const [file, message] of expectations) {
      const target = testDatabaseName('refused');
      const refusal = await restoreDatabase(client, target, file).catch((error: unknown) => error);
      expect(refusal, file).toBeInstanceOf(BackupRefusal);
      expect((refusal as Error).message).toMatch(message);
      expect(await client.db(target).listCollections().toArray()).toEqual([]);
    }
  });

  it('finishes a restore that was cut short when it is run again, and refuses another backup over it', async () => {
    const { store } = await seededDesk('backup-cut');
    const source = store.connection.db!;
    const archive = archivePath();
    await backupDatabase(client, source.databaseName, archive, { deskboltVersion: VERSION });
    const target = testDatabaseName('halfway');
    const db = client.db(target);
    // What a restore that died half-way leaves: its mark, and some of the collections.
    const header = await verifyArchive(archive);
    await db
      .collection(RESTORE_MARK)
      .insertOne({ _id: 'restore' as never, takenAt: header.takenAt, database: header.database });
    await db
      .collection('tickets')
      .insertMany((await source.collection('tickets').find({}).limit(2).toArray()) as never[]);

    const other = archivePath();
    const { store: otherStore } = await seededDesk('backup-other');
    await backupDatabase(client, otherStore.connection.db!.databaseName, other, { deskboltVersion: VERSION });
    await expect(restoreDatabase(client, target, other)).rejects.toThrow(
      /holds a restore of another backup .* that was cut short: drop the database, then restore again/,
    );

    const result = await restoreDatabase(client, target, archive);
    expect(result.resumedAfterCut).toBe(true);
    expect(await dump(db)).toEqual(asRestored(await dump(source)));
  });

  it('refuses an archive migrated further than this deskbolt knows', async () => {
    const { store } = await seededDesk('backup-newer');
    const archive = archivePath();
    const { header } = await backupDatabase(client, store.connection.db!.databaseName, archive, {
      deskboltVersion: VERSION,
    });
    const target = testDatabaseName('older-code');
    await expect(
      restoreDatabase(client, target, archive, { knownMigrationLevel: header.migrationLevel - 1 }),
    ).rejects.toThrow(
      `holds data migrated to level ${header.migrationLevel} by deskbolt ${VERSION}; this deskbolt knows migrations up to ${header.migrationLevel - 1}`,
    );
    expect(await client.db(target).listCollections().toArray()).toEqual([]);
  });

  it('refuses to back up a database that holds nothing (a wrong DATA_DIR or name), writing no file', async () => {
    const archive = archivePath();
    const empty = testDatabaseName('nothing');
    await expect(backupDatabase(client, empty, archive, { deskboltVersion: VERSION })).rejects.toThrow(
      `database ${empty} holds nothing: is this the desk's database (DATA_DIR, MONGODB_URI)?`,
    );
    await expect(stat(archive)).rejects.toThrow(/ENOENT/);
  });

  it('never writes over an existing file', async () => {
    const { store } = await seededDesk('backup-exists');
    const archive = archivePath();
    await writeFile(archive, 'last night');
    await expect(
      backupDatabase(client, store.connection.db!.databaseName, archive, { deskboltVersion: VERSION }),
    ).rejects.toThrow(`${archive} exists already: give the backup a new name`);
    expect(await readFile(archive, 'utf8')).toBe('last night');
  });

  it('taken while tickets are filed: each collection whole as read, and no ticket number above the counter', async () => {
    const { store, desk } = await seededDesk('backup-live');
    const source = store.connection.db!;
    // Enough history that reading it takes a while, so the filing below runs alongside.
    await source.collection('comments').insertMany(
      Array.from({ length: 3000 }, (_, n) => ({
        _id: `bulk-${n}`,
        ticketNumber: 1001,
        kind: 'internal',
        author: { kind: 'agent', id: 'UANA0001' },
        text: `note ${n}`,
        createdAt: new Date(Date.UTC(2026, 11, 1, 0, 0, n)),
      })) as never[],
    );
    let backingUp = true;
    let filedDuring = 0;
    const filing = (async () => {
      while (backingUp) {
        await fileTicket(desk, { subject: 'Filed during the backup' });
        if (backingUp) filedDuring += 1;
      }
    })();
    const archive = archivePath();
    const ticketsBefore = await source.collection('tickets').countDocuments();
    let header: ArchiveHeader;
    try {
      ({ header } = await backupDatabase(client, source.databaseName, archive, { deskboltVersion: VERSION }));
    } finally {
      backingUp = false;
      await filing;
      await desk.settled();
    }
    const ticketsAfter = await source.collection('tickets').countDocuments();
    expect(filedDuring).toBeGreaterThan(0);

    const target = testDatabaseName('live');
    await restoreDatabase(client, target, archive);
    const restored = client.db(target);
    const tickets = await restored.collection<{ number: number; subject: string }>('tickets').find({}).toArray();
    expect(tickets.length).toBeGreaterThanOrEqual(ticketsBefore);
    expect(tickets.length).toBeLessThanOrEqual(ticketsAfter);
    expect(tickets.length).toBe(header.collections.find((each) => each.name === 'tickets')!.count);
    for (const ticket of tickets) expect(ticket.subject).toMatch(/Invoice|Filed during the backup/);
    // The counter was read after the tickets: a restored desk's next number is free.
    const counter = await restored.collection<{ _id: string; seq: number }>('counters').findOne({ _id: 'ticket' });
    const highest = Math.max(...tickets.map((ticket) => ticket.number));
    expect(1000 + counter!.seq).toBeGreaterThanOrEqual(highest);
    const reopened = await Store.open({ uri: inject('mongodbUri'), dbName: target });
    stores.push(reopened);
    const next = await fileTicket(testDesk(reopened), { subject: 'First after the restore' });
    expect(next.number).toBeGreaterThan(highest);
  });

  it('a backup whose read models were out of step with its tickets: the restored desk’s first start rebuilds them', async () => {
    const { store } = await seededDesk('backup-read-models');
    const source = store.connection.db!;
    // As a live backup may catch them: the queue's collection missing a waiting ticket and holding a gone one.
    const waiting = source.collection<{ _id: unknown; number?: number }>('waiting_tickets');
    const inStep = await waiting.find({}).toArray();
    expect(inStep.length).toBeGreaterThan(0);
    await waiting.deleteOne({ _id: inStep[0]!._id });
    await waiting.insertOne({ ...inStep[0]!, _id: 'gone-ticket' as never, number: 9999 });
    const archive = archivePath();
    await backupDatabase(client, source.databaseName, archive, { deskboltVersion: VERSION });

    const target = testDatabaseName('read-models');
    await restoreDatabase(client, target, archive);
    expect(await client.db(target).collection(READ_MODEL_MARKS).countDocuments()).toBe(0);
    const reopened = await Store.open({ uri: inject('mongodbUri'), dbName: target });
    stores.push(reopened);
    const numbers = (documents: Document[]) => documents.map((each) => each.number).sort();
    expect(numbers(await client.db(target).collection('waiting_tickets').find({}).toArray())).toEqual(numbers(inStep));
    expect(await client.db(target).collection(READ_MODEL_MARKS).countDocuments()).toBeGreaterThan(0);
  });

  it.skipIf(!process.env.MONGODB_URI)(
    'runs on MONGODB_URI when one is given (skipped: MONGODB_URI is not set, so the run is on the embedded FerretDB)',
    () => {
      expect(inject('mongodbUri')).toBe(process.env.MONGODB_URI);
    },
  );
});

/** `npm run backup -- FILE` / `npm run restore -- FILE` as compiled processes, with DATA_DIR and no MONGODB_URI. */
function runScript(script: 'backup' | 'restore', file: string, dataDir: string) {
  const { MONGODB_URI: _uri, ...environment } = process.env;
  const child = spawn(process.execPath, ['--enable-source-maps', inject('processScripts')[script], file], {
    env: { ...environment, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, output })),
  );
}

describe('npm run backup and restore on the embedded database of a DATA_DIR', () => {
  it('backs up a running desk through its server, refuses to restore under it, and restores into a new DATA_DIR', {
    timeout: 240_000,
  }, async () => {
    const running = join(folder, 'running');
    const fresh = join(folder, 'fresh');
    const archive = join(folder, 'scripted.jsonl.gz');
    // A deskbolt "running" on its data directory: it holds the lock and its server.
    const server = await startEmbeddedDatabase({ dataDir: running, log: () => {} });
    try {
      const store = await Store.open({ uri: server.uri, dbName: EMBEDDED_DATABASE });
      stores.push(store);
      const desk = testDesk(store);
      await fileTicket(desk, { subject: 'Kept across machines' });
      await desk.settled();
      const expected = await dump(store.connection.db!);

      const backup = await runScript('backup', archive, running);
      expect(backup.output).toContain(`deskbolt is running on ${running} (process ${process.pid})`);
      expect(backup.code, backup.output).toBe(0);
      expect(backup.output).toMatch(/backup: \S+ written \(\d+ bytes\)/);
      expect((await stat(archive)).size).toBeGreaterThan(0);

      const underIt = await runScript('restore', archive, running);
      expect(underIt.code).toBe(1);
      expect(underIt.output).toContain(
        `restore: deskbolt is running on ${running} (process ${process.pid}): stop it before a restore`,
      );

      const restore = await runScript('restore', archive, fresh);
      expect(restore.code, restore.output).toBe(0);
      expect(restore.output).toContain('restored:');
      const again = await runScript('restore', archive, fresh);
      expect(again.code).toBe(1);
      expect(again.output).toMatch(/database deskbolt is not empty, so nothing was restored: it holds /);

      const freshServer = await startEmbeddedDatabase({ dataDir: fresh, log: () => {} });
      try {
        const freshClient = await new mongoose.mongo.MongoClient(freshServer.uri).connect();
        try {
          expect(await dump(freshClient.db(EMBEDDED_DATABASE))).toEqual(asRestored(expected));
        } finally {
          await freshClient.close();
        }
      } finally {
        await freshServer.stop();
      }
    } finally {
      await server.stop();
    }
  });
});
