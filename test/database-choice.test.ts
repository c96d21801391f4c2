import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmbeddedDatabase } from '../src/store/embedded.js';
import { findPostgresql } from '../src/store/embedded-postgresql.js';

/** FerretDB's backend this run expects when no mongod can be had: PostgreSQL where installed, unless FERRETDB_BACKEND=sqlite. */
const ferretDbKind =
  process.env.FERRETDB_BACKEND === 'sqlite' || !findPostgresql() ? 'ferretdb-sqlite' : 'ferretdb-postgresql';
const ferretDbFolder = ferretDbKind === 'ferretdb-sqlite' ? 'ferretdb' : 'ferretdb-postgresql';

const MONGOMS = [
  'MONGOMS_DOWNLOAD_MIRROR',
  'MONGOMS_DOWNLOAD_URL',
  'MONGOMS_DOWNLOAD_DIR',
  'MONGOMS_SYSTEM_BINARY',
  'MONGOMS_MAX_RETRIES',
] as const;

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

describe('where the embedded database comes from', () => {
  const saved = new Map<string, string | undefined>();
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeEach(async () => {
    for (const name of [...MONGOMS, 'FERRETDB_BACKEND']) saved.set(name, process.env[name]);
    // An empty download cache and no mongod of the machine's own: mongodb-memory-server must download.
    const cache = await mkdtemp(join(tmpdir(), 'deskbolt-mongoms-'));
    cleanups.push(() => rm(cache, { recursive: true, force: true }));
    process.env.MONGOMS_DOWNLOAD_DIR = cache;
    delete process.env.MONGOMS_SYSTEM_BINARY;
    delete process.env.MONGOMS_MAX_RETRIES;
    delete process.env.MONGOMS_DOWNLOAD_URL;
  });

  afterEach(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  /** A download mirror that answers every connection by dropping it, and counts them. */
  async function droppingMirror(): Promise<{ connections: () => number }> {
    let connections = 0;
    const mirror = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    const port = await listening(mirror);
    cleanups.push(() => new Promise((done) => mirror.close(done)));
    process.env.MONGOMS_DOWNLOAD_MIRROR = `https://127.0.0.1:${port}`;
    return { connections: () => connections };
  }

  it('tries mongodb-memory-server first and falls back to FerretDB when the download mirror is unreachable, saying so in its first line', async () => {
    const closed = createServer();
    const port = await listening(closed);
    await new Promise((done) => closed.close(done));
    process.env.MONGOMS_DOWNLOAD_MIRROR = `https://127.0.0.1:${port}`;
    const lines: string[] = [];

    const database = await startEmbeddedDatabase({ log: (line) => lines.push(line) });
    cleanups.push(() => database.stop());

    expect(database.kind).toBe(ferretDbKind);
    expect(lines[0]).toMatch(
      new RegExp(
        `^database: started embedded ${ferretDbKind} at mongodb://127\\.0\\.0\\.1:\\d+/ \\(process \\d+\\), data in \\S+/${ferretDbFolder} \\(temporary\\); mongodb-memory-server could not get a mongod \\(.*ECONNREFUSED`,
      ),
    );
  });

  it('asks an unreachable mirror once, instead of retrying seconds apart before it falls back', async () => {
    const mirror = await droppingMirror();

    const database = await startEmbeddedDatabase({ log: () => undefined });
    cleanups.push(() => database.stop());

    expect(database.kind).toBe(ferretDbKind);
    expect(mirror.connections()).toBe(1);
  });

  it('keeps FerretDB for a data directory that already holds FerretDB data, so a desk never starts empty', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'deskbolt-choice-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const mirror = await droppingMirror();
    const first = await startEmbeddedDatabase({ dataDir, log: () => undefined });
    await first.stop();
    const asked = mirror.connections();
    const lines: string[] = [];

    const second = await startEmbeddedDatabase({ dataDir, log: (line) => lines.push(line) });
    cleanups.push(() => second.stop());

    expect(second.kind).toBe(ferretDbKind);
    expect(mirror.connections()).toBe(asked);
    expect(lines[0]).toContain(
      `data in ${join(dataDir, ferretDbFolder)}; this data directory already holds FerretDB data`,
    );
  });

  it.runIf(findPostgresql() !== undefined)(
    'takes FerretDB on PostgreSQL where it is installed, and SQLite when FERRETDB_BACKEND=sqlite says so',
    async () => {
      await droppingMirror();
      delete process.env.FERRETDB_BACKEND;
      const lines: string[] = [];
      const onPostgresql = await startEmbeddedDatabase({ log: (line) => lines.push(line) });
      cleanups.push(() => onPostgresql.stop());
      expect(onPostgresql.kind).toBe('ferretdb-postgresql');
      expect(onPostgresql.serializesWrites).toBe(true);
      expect(lines[0]).toMatch(
        /^database: started embedded ferretdb-postgresql at mongodb:\/\/127\.0\.0\.1:\d+\/ .*data in \S+\/ferretdb-postgresql \(temporary\)/,
      );

      process.env.FERRETDB_BACKEND = 'sqlite';
      const sqliteLines: string[] = [];
      const onSqlite = await startEmbeddedDatabase({ log: (line) => sqliteLines.push(line) });
      cleanups.push(() => onSqlite.stop());
      expect(onSqlite.kind).toBe('ferretdb-sqlite');
      expect(sqliteLines[0]).toContain('; FERRETDB_BACKEND=sqlite');
    },
  );

  // Only a root deskbolt runs PostgreSQL as another user; as anyone else the folders are its own.
  it.runIf(findPostgresql() !== undefined && process.getuid?.() === 0)(
    'a data directory inside a folder PostgreSQL’s user may not pass (a clone in a private folder): FerretDB on SQLite, saying why',
    async () => {
      await droppingMirror();
      delete process.env.FERRETDB_BACKEND;
      const hidden = await mkdtemp(join(tmpdir(), 'deskbolt-private-'));
      cleanups.push(() => rm(hidden, { recursive: true, force: true }));
      const dataDir = join(hidden, 'deskbolt', 'data');
      const lines: string[] = [];
      const database = await startEmbeddedDatabase({ dataDir, log: (line) => lines.push(line) });
      cleanups.push(() => database.stop());
      expect(database.kind).toBe('ferretdb-sqlite');
      expect(lines[0]).toContain(`who may not pass through ${hidden} (mode 700)`);

      process.env.FERRETDB_BACKEND = 'postgresql';
      await expect(startEmbeddedDatabase({ dataDir: join(hidden, 'other'), log: () => undefined })).rejects.toThrow(
        `FERRETDB_BACKEND=postgresql, and PostgreSQL runs as`,
      );
    },
  );

  it('refuses a FERRETDB_BACKEND it does not know, naming the ones it does', async () => {
    await droppingMirror();
    process.env.FERRETDB_BACKEND = 'mysql';
    await expect(startEmbeddedDatabase({ log: () => undefined })).rejects.toThrow(
      'FERRETDB_BACKEND is "mysql"; use postgresql or sqlite',
    );
  });
});
