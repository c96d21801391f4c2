import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { processIsAlive } from '../src/store/data-dir-lock.js';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../src/store/embedded.js';
import { Store } from '../src/store/store.js';

interface Holder {
  child: ChildProcess;
  said:
    | { pid: number; serverPid: number; port: number; uri: string; kind: string; dataPath: string }
    | { error: string };
  stderr: () => string;
}

/** A deskbolt stand-in in a process of its own, holding the embedded database of `dataDir`. */
async function startHolder(dataDir: string, tie: 'tied' | 'untied' = 'tied'): Promise<Holder> {
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', inject('processScripts').databaseHolder, dataDir, tie],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  return { child, said: JSON.parse(line), stderr: () => stderr };
}

function running(holder: Holder) {
  if ('error' in holder.said) throw new Error(`the holder could not start: ${holder.said.error}\n${holder.stderr()}`);
  return holder.said;
}

/** Every FerretDB process serving this server data folder, found by its command line (Linux /proc). */
function serversOn(dataPath: string): number[] {
  return processesWithArgument(`--state-dir=${dataPath}`);
}

/** Every PostgreSQL process (postmaster or backend) of the private cluster in this server data folder. */
function postgresqlOn(dataPath: string): number[] {
  return processesWithArgument(join(dataPath, 'cluster'));
}

function processesWithArgument(argument: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return (
          readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(argument) && processIsAlive(Number(pid))
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A PostgreSQL whose parent died is gone a moment later, not at once. */
async function noPostgresqlOn(dataPath: string): Promise<boolean> {
  for (let tries = 0; tries < 200 && postgresqlOn(dataPath).length > 0; tries++)
    await new Promise((wake) => setTimeout(wake, 50));
  return postgresqlOn(dataPath).length === 0;
}

/** Waits for a real process to end (a signal is delivered asynchronously); fails after a while. */
async function ended(pid: number): Promise<boolean> {
  for (let tries = 0; tries < 200 && processIsAlive(pid); tries++) await new Promise((wake) => setTimeout(wake, 50));
  return !processIsAlive(pid);
}

async function countDocuments(uri: string, label: string): Promise<number> {
  const store = await Store.open({ uri, dbName: 'deskbolt' });
  try {
    return await store.connection.db!.collection(label).countDocuments();
  } finally {
    await store.close();
  }
}

async function insertDocument(uri: string, label: string): Promise<void> {
  const store = await Store.open({ uri, dbName: 'deskbolt' });
  try {
    await store.connection.db!.collection(label).insertOne({ at: label });
  } finally {
    await store.close();
  }
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
});

async function dataDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'deskbolt-lock-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

function stopLater(holder: Holder): void {
  cleanups.push(async () => {
    if (holder.child.exitCode !== null || holder.child.signalCode !== null) return;
    holder.child.kill('SIGTERM');
    await once(holder.child, 'exit');
  });
}

describe.runIf(process.platform === 'linux')('one embedded server per data directory, across real processes', () => {
  it('a deskbolt killed with SIGKILL takes its FerretDB along, and the next start serves the same data alone', async () => {
    const dataDir = await dataDirectory();
    const first = await startHolder(dataDir);
    const { serverPid, uri, dataPath } = running(first);
    await insertDocument(uri, 'before_the_kill');

    first.child.kill('SIGKILL');
    expect(await ended(serverPid)).toBe(true);
    expect(await noPostgresqlOn(dataPath)).toBe(true);

    const second = await startHolder(dataDir);
    stopLater(second);
    expect(running(second).kind).toBe(running(first).kind);
    expect(serversOn(dataPath)).toEqual([running(second).serverPid]);
    expect(await countDocuments(running(second).uri, 'before_the_kill')).toBe(1);
  });

  it('stops the orphan a killed deskbolt left running (as on systems without a parent-death signal), never starting a second server beside it', async () => {
    const dataDir = await dataDirectory();
    const first = await startHolder(dataDir, 'untied');
    const { serverPid: orphan, dataPath, kind } = running(first);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    expect(processIsAlive(orphan)).toBe(true);
    const orphanedPostgresql = postgresqlOn(dataPath);
    expect(orphanedPostgresql.length > 0).toBe(kind === 'ferretdb-postgresql');

    const second = await startHolder(dataDir);
    stopLater(second);
    expect(processIsAlive(orphan)).toBe(false);
    for (const pid of orphanedPostgresql) expect(processIsAlive(pid)).toBe(false);
    expect(serversOn(dataPath)).toEqual([running(second).serverPid]);
    expect(second.stderr()).toContain(`stopping the ${kind} (process ${orphan}`);
  });

  it('refuses a second start while the first deskbolt runs, naming it', async () => {
    const dataDir = await dataDirectory();
    const first = await startHolder(dataDir);
    stopLater(first);
    const second = await startHolder(dataDir);
    await once(second.child, 'exit');

    expect(second.child.exitCode).toBe(1);
    expect(second.said).toEqual({
      error: expect.stringContaining(`is in use by another deskbolt (process ${running(first).pid}`),
    });
    expect(serversOn(running(first).dataPath)).toEqual([running(first).serverPid]);
  });
});

describe('an embedded server that dies', () => {
  it('is restarted on the same port, and the open store carries on by itself', async () => {
    const lines: string[] = [];
    const database: EmbeddedDatabase = await startEmbeddedDatabase({
      restartDelaysMs: [10, 10, 10],
      log: (line) => lines.push(line),
    });
    cleanups.push(() => database.stop());
    const store = await Store.open({ uri: database.uri, dbName: 'restart' });
    cleanups.push(() => store.close());
    await store.connection.db!.collection('notes').insertOne({ text: 'before' });
    const crashed = database.pid();

    const restarted = once(database.events, 'restarted');
    process.kill(crashed, 'SIGKILL');
    const [pid] = (await restarted) as [number];

    expect(pid).not.toBe(crashed);
    expect(database.state()).toBe('running');
    await store.connection.db!.collection('notes').insertOne({ text: 'after' });
    expect(await store.connection.db!.collection('notes').countDocuments()).toBe(2);
    expect(lines.join('\n')).toContain(`(process ${crashed}) was killed by SIGKILL`);
    expect(lines.join('\n')).toContain(`is back on port ${database.port}`);
  });

  it('is given up after its bounded restarts fail, and says why', async () => {
    const lines: string[] = [];
    const gaveUp: string[] = [];
    const database = await startEmbeddedDatabase({
      restartDelaysMs: [10, 10],
      log: (line) => lines.push(line),
      onGiveUp: (reason) => gaveUp.push(reason),
    });
    cleanups.push(() => database.stop());
    // Someone takes the port the moment the server is gone: every restart on it fails.
    const squatter = createServer((socket) => socket.destroy());
    database.events.once('exited', () => squatter.listen(database.port));
    cleanups.push(() => new Promise((done) => squatter.close(done)));

    const failed = once(database.events, 'failed');
    process.kill(database.pid(), 'SIGKILL');
    await failed;

    expect(database.state()).toBe('failed');
    expect(gaveUp).toEqual([
      expect.stringContaining(
        `after 2 restart(s): it could not be restarted: port ${database.port} is taken by another process`,
      ),
    ]);
  });
});
