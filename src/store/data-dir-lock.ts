import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';

/**
 * One embedded server per data directory, always. The lock file names the deskbolt process that owns
 * the directory and the server it started (pid, port, data path). A deskbolt killed with SIGKILL
 * cannot remove it, and on a system where the server does not die with its parent the server keeps
 * running; the next start finds the owner gone, stops that orphan cleanly and takes the lock, so two
 * servers never share the files. An owner that is still alive makes the next start refuse.
 */
export const LOCK_FILE = 'deskbolt.lock';

export interface LockedServer {
  kind: string;
  pid: number;
  port: number;
  /** The server's own data folder, as it appears in its command line. */
  dataPath: string;
}

interface LockContent {
  owner: { pid: number; command: string };
  server: LockedServer | null;
}

export class DataDirInUseError extends Error {}

/** Directories locked by this process: a second start here is refused like one from another process. */
const lockedHere = new Set<string>();

export class DataDirLock {
  private constructor(
    readonly path: string,
    private content: LockContent,
  ) {}

  static async acquire(dataDir: string, log: (line: string) => void): Promise<DataDirLock> {
    const path = join(dataDir, LOCK_FILE);
    if (lockedHere.has(path)) throw new DataDirInUseError(`${dataDir} is already in use by this process`);
    const mine: LockContent = {
      owner: { pid: process.pid, command: commandLineOf(process.pid)?.join(' ') ?? '' },
      server: null,
    };
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await createExclusively(path, JSON.stringify(mine))) {
        lockedHere.add(path);
        return new DataDirLock(path, mine);
      }
      const raw = await readFile(path, 'utf8').catch(() => null);
      if (raw === null) continue;
      const held = parseLock(raw);
      if (held && ownerIsAlive(held.owner)) {
        throw new DataDirInUseError(
          `${dataDir} is in use by another deskbolt (process ${held.owner.pid}${held.server ? `, its ${held.server.kind} on port ${held.server.port}` : ''}): stop it first, or give this one another DATA_DIR`,
        );
      }
      if (held?.server) await stopOrphan(held.server, log);
      await removeStale(path, raw);
    }
    throw new DataDirInUseError(`could not lock ${path}: other processes keep taking it`);
  }

  /** Records the server now running for this directory (after a start or a restart). */
  async recordServer(server: LockedServer): Promise<void> {
    this.content = { ...this.content, server };
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(this.content));
    await rename(temporary, this.path);
  }

  async release(): Promise<void> {
    lockedHere.delete(this.path);
    const raw = await readFile(this.path, 'utf8').catch(() => null);
    if (raw !== null && parseLock(raw)?.owner.pid === process.pid) await unlink(this.path).catch(() => undefined);
  }
}

/**
 * Who holds the data directory now, as its lock file says (undefined when nobody does): `npm run
 * backup` reads a running deskbolt's database through the server named here instead of starting one.
 */
export async function lockHolder(
  dataDir: string,
): Promise<{ ownerPid: number; server: LockedServer | null } | undefined> {
  const raw = await readFile(join(dataDir, LOCK_FILE), 'utf8').catch(() => null);
  const held = raw === null ? undefined : parseLock(raw);
  if (!held || !ownerIsAlive(held.owner)) return undefined;
  return { ownerPid: held.owner.pid, server: held.server };
}

/** link() fails when the name exists, and the file it links is already complete: no half-written lock is ever seen. */
async function createExclusively(path: string, content: string): Promise<boolean> {
  const temporary = `${path}.${process.pid}.new`;
  await writeFile(temporary, content);
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/**
 * Two starts may find the same stale lock: each renames it away first, and only the one that moved
 * the stale content deletes it; the other has moved a fresh lock and puts it back.
 */
async function removeStale(path: string, staleContent: string): Promise<void> {
  const moved = `${path}.${process.pid}.stale`;
  try {
    await rename(path, moved);
  } catch {
    return;
  }
  const content = await readFile(moved, 'utf8').catch(() => null);
  if (content === staleContent) {
    await unlink(moved).catch(() => undefined);
    return;
  }
  await link(moved, path).catch(() => undefined);
  await unlink(moved).catch(() => undefined);
}

function parseLock(raw: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(raw) as LockContent;
    return typeof parsed?.owner?.pid === 'number' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A dead process nobody has reaped yet (a zombie) still answers signal 0.
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** A process's arguments, from /proc on Linux or ps elsewhere; undefined when neither can tell. */
export function commandLineOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((part) => part !== '');
  } catch {
    // No /proc (macOS, BSD): ps splits on spaces, which is enough to compare and to find a data path.
  }
  try {
    const line = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return line === '' ? undefined : line.split(' ');
  } catch {
    return undefined;
  }
}

/** Alive and still the same program: after a reboot or in a container the pid may belong to someone else now. */
function ownerIsAlive(owner: LockContent['owner']): boolean {
  if (owner.pid === process.pid || !processIsAlive(owner.pid)) return false;
  const command = commandLineOf(owner.pid)?.join(' ');
  return command === undefined || owner.command === '' || command === owner.command;
}

function serverArgumentsName(args: string[], dataPath: string): boolean {
  return args.some((arg) => arg === dataPath || arg.endsWith(`=${dataPath}`) || arg.endsWith(`=file:${dataPath}/`));
}

async function stopOrphan(server: LockedServer, log: (line: string) => void): Promise<void> {
  if (!processIsAlive(server.pid)) return;
  const args = commandLineOf(server.pid);
  // Only a process that is this directory's server is stopped; a reused pid is left alone.
  const ours = args !== undefined ? serverArgumentsName(args, server.dataPath) : await acceptsConnections(server.port);
  if (!ours) return;
  log(
    `database: stopping the ${server.kind} (process ${server.pid}, port ${server.port}) that a deskbolt killed earlier left running on ${server.dataPath}`,
  );
  await terminate(server.pid);
}

/** Asks a process to stop (`first`: SIGTERM, or the signal its own clean shutdown answers to), then kills it if it will not. */
export async function terminate(pid: number, first: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  for (const [signal, waitMs] of [
    [first, 10_000],
    ['SIGKILL', 5_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!processIsAlive(pid)) return;
      await new Promise((wake) => setTimeout(wake, 50));
    }
  }
  throw new Error(`process ${pid} (an orphaned database server) did not stop`);
}

export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolveProbe) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolveProbe(true);
    });
    socket.once('error', () => resolveProbe(false));
  });
}
