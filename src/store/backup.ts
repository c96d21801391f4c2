import { createReadStream, createWriteStream } from 'node:fs';
import { access, open, rename, rm, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, gzipSync } from 'node:zlib';
import type { Db, Document, IndexDescriptionInfo, MongoClient } from 'mongodb';
import mongoose from 'mongoose';
import { latestMigration, MIGRATIONS_COLLECTION } from './migrations/index.js';

/**
 * `npm run backup` and `npm run restore`: every collection of deskbolt's database (GridFS's two among
 * them, so stored files too) in one gzipped file of JSON lines. The driver's own EJSON, in its
 * canonical form, writes each value with its BSON type (ObjectId, Date, Binary, Int32 beside Double,
 * Long), so a restore writes back exactly what was read. Each collection is read by one cursor, a
 * batch at a time, and written as it is read: memory holds a batch, never a collection.
 *
 * The file: a gzip member holding the header line, then one holding the body (gzip readers read
 * consecutive members as one stream; the header goes first once the counts are known):
 *   {"header":{format, formatVersion, deskbolt, takenAt, database, server, migrationLevel, collections:[{name,count,indexes}]}}
 *   {"begin":"tickets"}  {"doc":{…}} …  {"end":{"collection":"tickets","count":120}}  …
 * gzip's checksum, the end lines and the header's counts let a restore refuse a cut or damaged file
 * before it writes anything.
 */
const { EJSON } = mongoose.mongo.BSON;

export const ARCHIVE_FORMAT = 'deskbolt-backup';
export const ARCHIVE_FORMAT_VERSION = 1;

export interface ArchivedCollection {
  name: string;
  count: number;
  /** As listIndexes gave them; built again after the documents. */
  indexes: Document[];
}

export interface ArchiveHeader {
  format: typeof ARCHIVE_FORMAT;
  formatVersion: number;
  /** The deskbolt version that wrote it (package.json). */
  deskbolt: string;
  takenAt: string;
  database: string;
  server: { version: string; ferretDb: string | null };
  /** The highest migration recorded in the data: a restore into older code that knows fewer is refused. */
  migrationLevel: number;
  collections: ArchivedCollection[];
}

/**
 * Read last: a ticket filed while the backup runs is then either missing (its number a gap) or
 * within the counter, never above it, so a restored desk never hands out a number twice.
 */
const READ_LAST = ['counters'];
const READ_BATCH = 500;
/** A restore writes this many documents, or this many bytes of them, per insert. */
const WRITE_BATCH = 500;
const WRITE_BATCH_BYTES = 8 * 1024 * 1024;
/** Not restored: each read model's mark, so the restored desk's first start rebuilds them (store.ts). */
export const READ_MODEL_MARKS = 'read_model_marks';

/** Written first by a restore and removed last: a database holding it is a restore that was cut short. */
export const RESTORE_MARK = 'deskbolt_restore_in_progress';

/** Why a restore or a backup did nothing: a sentence for the operator. Nothing was written. */
export class BackupRefusal extends Error {
  override name = 'BackupRefusal';
}

/** The database's collections, its own bookkeeping (system.*) aside, in the order a backup reads them. */
async function collectionsOf(db: Db): Promise<string[]> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray())
    .map((collection) => collection.name)
    .filter((name) => !name.startsWith('system.'));
  const rank = (name: string) => (READ_LAST.includes(name) ? 1 : 0);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** A Node stream write that waits when the stream asks it to (a slow disk never grows memory). */
async function writeLine(stream: NodeJS.WritableStream, line: string): Promise<void> {
  if (!stream.write(`${line}\n`)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
}

export interface BackupResult {
  header: ArchiveHeader;
  bytes: number;
}

/**
 * Writes the database to `file` (refused if it exists: a backup never overwrites one). The file
 * appears whole or not at all: it is written under a temporary name and renamed at the end.
 */
export async function backupDatabase(
  client: MongoClient,
  dbName: string | undefined,
  file: string,
  options: { deskboltVersion: string; now?: () => Date; log?: (line: string) => void },
): Promise<BackupResult> {
  if (await exists(file)) throw new BackupRefusal(`${file} exists already: give the backup a new name`);
  const db = client.db(dbName);
  const log = options.log ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  const takenAt = now();
  const buildInfo = await db.admin().command({ buildInfo: 1 });
  const bodyFile = `${file}.body-${process.pid}.tmp`;
  const wholeFile = `${file}.${process.pid}.tmp`;
  const collections: ArchivedCollection[] = [];
  let migrationLevel = 0;
  try {
    const gzip = createGzip();
    const written = pipeline(gzip, createWriteStream(bodyFile, { flags: 'wx' }));
    try {
      const names = await collectionsOf(db);
      // A wrong DATA_DIR or database name would otherwise make an empty backup that looks like a good one.
      if (names.length === 0)
        throw new BackupRefusal(
          `database ${db.databaseName} holds nothing: is this the desk's database (DATA_DIR, MONGODB_URI)?`,
        );
      for (const name of names) {
        const collection = db.collection(name);
        const indexes = (await collection.indexes()) as IndexDescriptionInfo[];
        await writeLine(gzip, JSON.stringify({ begin: name }));
        let count = 0;
        // One cursor per collection: each document as it was when read (see docs/operations.md).
        // promoteValues off keeps Int32, Double and Long apart, as BSON has them, for EJSON to write.
        const cursor = collection.find({}, { batchSize: READ_BATCH, promoteValues: false, promoteBuffers: false });
        for await (const document of cursor) {
          await writeLine(gzip, `{"doc":${EJSON.stringify(document, { relaxed: false })}}`);
          count += 1;
          if (name === MIGRATIONS_COLLECTION) {
            const number = Number((document as { number?: unknown }).number?.valueOf());
            if (Number.isFinite(number)) migrationLevel = Math.max(migrationLevel, number);
          }
        }
        await writeLine(gzip, JSON.stringify({ end: { collection: name, count } }));
        collections.push({ name, count, indexes: indexes.map(indexSpec) });
        log(`backup: ${name}: ${count} document(s)`);
      }
    } finally {
      gzip.end();
      await written;
    }
    const header: ArchiveHeader = {
      format: ARCHIVE_FORMAT,
      formatVersion: ARCHIVE_FORMAT_VERSION,
      deskbolt: options.deskboltVersion,
      takenAt: takenAt.toISOString(),
      database: db.databaseName,
      server: {
        version: String(buildInfo.version),
        ferretDb: typeof buildInfo.ferretdbVersion === 'string' ? buildInfo.ferretdbVersion : null,
      },
      migrationLevel,
      collections,
    };
    const whole = createWriteStream(wholeFile, { flags: 'wx' });
    whole.write(gzipSync(`${JSON.stringify({ header })}\n`));
    await pipeline(createReadStream(bodyFile), whole);
    // On disk before it takes its name: a crash right after the rename leaves a whole file, not a hole.
    const onDisk = await open(wholeFile, 'r+');
    try {
      await onDisk.sync();
    } finally {
      await onDisk.close();
    }
    await rename(wholeFile, file);
    const { size } = await stat(file);
    return { header, bytes: size };
  } finally {
    await rm(bodyFile, { force: true });
    await rm(wholeFile, { force: true });
  }
}

/** What listIndexes gives, less what createIndex does not take back (its version and namespace). */
function indexSpec(index: IndexDescriptionInfo): Document {
  const { v: _version, ns: _namespace, ...spec } = index as IndexDescriptionInfo & { ns?: string };
  return spec;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

type ArchiveLine =
  | { header: ArchiveHeader }
  | { begin: string }
  | { doc: Document }
  | { end: { collection: string; count: number } };

/** The archive's lines, parsed, in order; a damaged or cut gzip stream throws a BackupRefusal. */
async function* archiveLines(file: string): AsyncGenerator<{ line: ArchiveLine; number: number }> {
  const gunzip = createGunzip();
  const input = createReadStream(file);
  let broken: Error | undefined;
  const fail = (error: Error) => {
    broken ??= error;
    gunzip.destroy();
  };
  input.once('error', fail);
  gunzip.once('error', fail);
  input.pipe(gunzip);
  const lines = createInterface({ input: gunzip, crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  try {
    for await (const text of lines) {
      number += 1;
      if (text === '') continue;
      let line: ArchiveLine;
      try {
        line = text.startsWith('{"doc":')
          ? { doc: EJSON.parse(text.slice('{"doc":'.length, -1), { relaxed: false }) as Document }
          : (JSON.parse(text) as ArchiveLine);
      } catch (error) {
        throw new BackupRefusal(
          `${file} is damaged: line ${number} is not a whole record (${(error as Error).message})`,
        );
      }
      yield { line, number };
    }
  } catch (error) {
    if (error instanceof BackupRefusal) throw error;
    fail(error as Error);
  } finally {
    input.destroy();
  }
  if (broken) {
    const cut = /unexpected end of file/i.test(broken.message);
    throw new BackupRefusal(
      cut
        ? `${file} is cut short (it ends before its last record): it is not a whole backup`
        : `${file} is damaged or not a deskbolt backup (${broken.message})`,
    );
  }
}

/**
 * Reads the whole archive once without writing anything: every line parsed, each collection's
 * records counted against its end line and the header. Returns the header when all of it holds.
 */
export async function verifyArchive(file: string): Promise<ArchiveHeader> {
  if (!(await exists(file))) throw new BackupRefusal(`${file} does not exist`);
  let header: ArchiveHeader | undefined;
  let open: { name: string; count: number } | undefined;
  const seen = new Map<string, number>();
  for await (const { line, number } of archiveLines(file)) {
    if (!header) {
      if (!('header' in line) || line.header.format !== ARCHIVE_FORMAT)
        throw new BackupRefusal(`${file} is not a deskbolt backup (its first line has no deskbolt header)`);
      if (line.header.formatVersion > ARCHIVE_FORMAT_VERSION)
        throw new BackupRefusal(
          `${file} was written by a newer deskbolt (${line.header.deskbolt}, archive format ${line.header.formatVersion}); this one reads format ${ARCHIVE_FORMAT_VERSION}`,
        );
      header = line.header;
      continue;
    }
    if ('begin' in line) {
      if (open) throw new BackupRefusal(`${file} is damaged: ${open.name} has no end before line ${number}`);
      open = { name: line.begin, count: 0 };
    } else if ('doc' in line) {
      if (!open) throw new BackupRefusal(`${file} is damaged: a document outside any collection at line ${number}`);
      open.count += 1;
    } else if ('end' in line) {
      if (!open || open.name !== line.end.collection || open.count !== line.end.count)
        throw new BackupRefusal(
          `${file} is damaged: ${line.end.collection} ends at line ${number} with ${open?.count ?? 0} document(s) read, ${line.end.count} written`,
        );
      seen.set(open.name, open.count);
      open = undefined;
    } else {
      throw new BackupRefusal(`${file} is damaged: line ${number} is not a backup record`);
    }
  }
  if (!header) throw new BackupRefusal(`${file} is empty or not a deskbolt backup`);
  if (open) throw new BackupRefusal(`${file} is cut short: it ends inside ${open.name}`);
  for (const collection of header.collections) {
    const count = seen.get(collection.name);
    if (count === undefined) throw new BackupRefusal(`${file} is cut short: ${collection.name} is missing from it`);
    if (count !== collection.count)
      throw new BackupRefusal(
        `${file} is damaged: ${collection.name} holds ${count} document(s), its header says ${collection.count}`,
      );
  }
  return header;
}

/** What a database holds, by collection (empty ones and GridFS's bookkeeping left out), biggest first. */
async function contentsOf(db: Db): Promise<{ name: string; count: number }[]> {
  const contents: { name: string; count: number }[] = [];
  for (const name of await collectionsOf(db)) {
    const count = await db.collection(name).countDocuments({});
    if (count > 0) contents.push({ name, count });
  }
  return contents.sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

export interface RestoreResult {
  header: ArchiveHeader;
  /** Documents written, by collection. */
  restored: Record<string, number>;
  /** Indexes the server would not build (FerretDB has no TTL indexes): the next start builds what it needs. */
  indexesSkipped: string[];
  /** A restore that was cut short earlier was found and cleared first. */
  resumedAfterCut: boolean;
}

/**
 * Writes the archive into an empty database. The archive is read through once before anything is
 * written, so a damaged or cut file changes nothing. A database with documents is refused, naming
 * what it holds, unless all it holds is a restore of this same archive that was cut short (its mark is
 * still there): that is cleared and done again, so running the same restore again completes it.
 */
export async function restoreDatabase(
  client: MongoClient,
  dbName: string | undefined,
  file: string,
  options: { now?: () => Date; log?: (line: string) => void; knownMigrationLevel?: number } = {},
): Promise<RestoreResult> {
  const log = options.log ?? (() => undefined);
  const header = await verifyArchive(file);
  const known = options.knownMigrationLevel ?? latestMigration();
  if (header.migrationLevel > known)
    throw new BackupRefusal(
      `${file} holds data migrated to level ${header.migrationLevel} by deskbolt ${header.deskbolt}; this deskbolt knows migrations up to ${known}: restore it with that version or a newer one`,
    );
  const db = client.db(dbName);
  const mark = await db.collection<{ _id: string; takenAt: string; database: string }>(RESTORE_MARK).findOne({});
  const contents = (await contentsOf(db)).filter((each) => each.name !== RESTORE_MARK);
  let resumedAfterCut = false;
  if (mark) {
    if (mark.takenAt !== header.takenAt || mark.database !== header.database)
      throw new BackupRefusal(
        `database ${db.databaseName} holds a restore of another backup (of ${mark.database}, taken ${mark.takenAt}) that was cut short: drop the database, then restore again`,
      );
    log(`restore: a restore of this backup was cut short here; clearing what it wrote and starting again`);
    for (const { name } of contents) await db.collection(name).drop();
    resumedAfterCut = true;
  } else if (contents.length > 0) {
    const shown = contents
      .slice(0, 8)
      .map((each) => `${each.name} (${each.count})`)
      .join(', ');
    throw new BackupRefusal(
      `database ${db.databaseName} is not empty, so nothing was restored: it holds ${shown}${contents.length > 8 ? `, and ${contents.length - 8} more collection(s)` : ''}. A restore goes into an empty database only: restore into a new DATA_DIR (or another MONGODB_URI database), or drop this one first if it is truly to be replaced`,
    );
  }
  const startedAt = (options.now ?? (() => new Date()))();
  await db
    .collection<{ _id: string }>(RESTORE_MARK)
    .updateOne(
      { _id: 'restore' },
      { $set: { takenAt: header.takenAt, database: header.database, file, startedAt } },
      { upsert: true },
    );

  const restored: Record<string, number> = {};
  let current: string | undefined;
  let batch: Document[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (current && batch.length > 0) await db.collection(current).insertMany(batch, { ordered: true });
    batch = [];
    batchBytes = 0;
  };
  for await (const { line } of archiveLines(file)) {
    if ('begin' in line) {
      current = line.begin;
      restored[current] = 0;
      // Created even when it held nothing, so an empty collection comes back too.
      await db.createCollection(current).catch((error: unknown) => {
        if ((error as { codeName?: string }).codeName !== 'NamespaceExists') throw error;
      });
    } else if ('doc' in line) {
      // A backup of a running desk may hold read models out of step with its tickets, marked as
      // current: without their marks, the next start rebuilds them from the restored tickets.
      if (current === READ_MODEL_MARKS) continue;
      batch.push(line.doc);
      batchBytes += mongoose.mongo.BSON.calculateObjectSize(line.doc);
      restored[current!]! += 1;
      if (batch.length >= WRITE_BATCH || batchBytes >= WRITE_BATCH_BYTES) await flush();
    } else if ('end' in line) {
      await flush();
      log(`restore: ${line.end.collection}: ${restored[line.end.collection]} document(s)`);
    }
  }
  const indexesSkipped: string[] = [];
  for (const collection of header.collections) {
    for (const index of collection.indexes) {
      if (index.name === '_id_') continue;
      const { key, ...rest } = index;
      try {
        await db.collection(collection.name).createIndex(key as Document, rest);
      } catch (error) {
        indexesSkipped.push(`${collection.name}.${String(index.name)} (${(error as Error).message})`);
      }
    }
  }
  await db.collection(RESTORE_MARK).drop();
  return { header, restored, indexesSkipped, resumedAfterCut };
}

/** The header alone, read without going through the whole file: `npm run restore` shows it first. */
export async function readArchiveHeader(file: string): Promise<ArchiveHeader> {
  for await (const { line } of archiveLines(file)) {
    if ('header' in line && line.header.format === ARCHIVE_FORMAT) return line.header;
    break;
  }
  throw new BackupRefusal(`${file} is not a deskbolt backup (its first line has no deskbolt header)`);
}
