import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { commandLineOf, processIsAlive, terminate } from './data-dir-lock.js';

/**
 * The PostgreSQL that FerretDB's postgresql backend stores into: a private cluster in the data
 * directory, on loopback only, started and stopped with deskbolt. FerretDB on PostgreSQL pushes
 * filters and _id lookups down to indexed SQL, ~100× faster than its SQLite backend on a desk of
 * 10,000 tickets (see docs/capacity.md), and no more atomic across connections (the write guard stays).
 */
const execFileAsync = promisify(execFile);

export interface PostgresqlInstall {
  /** The folder holding `initdb` and `postgres`. */
  binDir: string;
}

/** Debian's layout (/usr/lib/postgresql/<major>/bin, newest first), else `pg_config --bindir`, else PATH. */
export function findPostgresql(): PostgresqlInstall | undefined {
  const fromEnv = process.env.POSTGRESQL_BIN_DIR;
  if (fromEnv) return hasServer(fromEnv) ? { binDir: fromEnv } : undefined;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const major of majors) {
      const binDir = join(debian, major, 'bin');
      if (hasServer(binDir)) return { binDir };
    }
  }
  const configured = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (configured.status === 0 && hasServer(configured.stdout.trim())) return { binDir: configured.stdout.trim() };
  for (const directory of (process.env.PATH ?? '').split(':')) {
    if (directory && hasServer(directory)) return { binDir: directory };
  }
  return undefined;
}

function hasServer(binDir: string): boolean {
  return existsSync(join(binDir, 'initdb')) && existsSync(join(binDir, 'postgres'));
}

/** PostgreSQL refuses to run as root: a root deskbolt (CI) runs it as the package's own user, else nobody. */
interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

function unprivilegedUser(): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith(`${name}:`));
    if (!line) continue;
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid), name };
  }
  throw new Error('running as root, and there is neither a postgres nor a nobody user to run PostgreSQL as');
}

/**
 * Why PostgreSQL could not use a cluster under `dataPath`, if it could not: a root deskbolt runs it as
 * an unprivileged user, who must be able to pass through every folder above the data directory.
 * deskbolt makes its own folders passable (startPostgresql) but never changes a person's: a project
 * cloned into a private folder (`mktemp -d` is mode 700) keeps PostgreSQL out, and then the embedded
 * server is FerretDB on SQLite instead of a start that fails.
 */
export function clusterUnreachable(dataPath: string): string | undefined {
  const user = unprivilegedUser();
  if (!user) return undefined;
  // The data directory and the two folders deskbolt makes under it are opened up by startPostgresql.
  let folder = dirname(dirname(resolve(dataPath)));
  for (;;) {
    if (existsSync(folder)) {
      const { mode, uid, gid } = statSync(folder);
      const passable = uid === user.uid ? mode & 0o100 : gid === user.gid ? mode & 0o010 : mode & 0o001;
      if (!passable)
        return `PostgreSQL runs as ${user.name}, who may not pass through ${folder} (mode ${(mode & 0o777).toString(8)})`;
    }
    const up = dirname(folder);
    if (up === folder) return undefined;
    folder = up;
  }
}

/** The command line that runs `program` as `user` (setpriv, util-linux), optionally dying with this process. */
function commandAs(
  user: RunAs | undefined,
  program: string,
  args: string[],
  dieWithParent: boolean,
): [string, string[]] {
  const pdeath = dieWithParent ? ['--pdeathsig', 'SIGTERM'] : [];
  if (!user) return dieWithParent ? ['setpriv', [...pdeath, '--', program, ...args]] : [program, args];
  return [
    'setpriv',
    [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', ...pdeath, '--', program, ...args],
  ];
}

export interface RunningPostgresql {
  child: ChildProcess;
  port: number;
  /** Resolves with what it said last when it ends. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

/**
 * Makes the cluster once (initdb) and starts it on `port`. `temporary` data is thrown away with the
 * run, so it skips fsync; a kept data directory (`npm start`) keeps PostgreSQL's durability.
 */
export async function startPostgresql(
  install: PostgresqlInstall,
  clusterPath: string,
  port: number,
  options: { temporary: boolean; dieWithParent: boolean },
): Promise<RunningPostgresql> {
  const user = unprivilegedUser();
  const parent = join(clusterPath, '..');
  await mkdir(parent, { recursive: true });
  if (user) {
    // The cluster's user must reach its folder: traverse-only for others, nothing readable.
    await chmod(parent, 0o711);
    await chmod(join(parent, '..'), 0o711).catch(() => undefined);
  }
  if (!existsSync(join(clusterPath, 'PG_VERSION'))) {
    await mkdir(clusterPath, { recursive: true, mode: 0o700 });
    if (user) await chown(clusterPath, user.uid, user.gid);
    const [program, args] = commandAs(
      user,
      join(install.binDir, 'initdb'),
      [
        '-D',
        clusterPath,
        '-U',
        'deskbolt',
        '--auth=trust',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-instructions',
        ...(options.temporary ? ['--no-sync'] : []),
      ],
      false,
    );
    await execFileAsync(program, args, { maxBuffer: 4 * 1024 * 1024 });
  }
  await stopOrphanPostmaster(clusterPath);
  const settings = [
    '-D',
    clusterPath,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    // No Unix socket: /var/run/postgresql may not be ours to write, and loopback TCP is all FerretDB needs.
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
    ...(options.temporary ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
  ];
  const [program, args] = commandAs(user, join(install.binDir, 'postgres'), settings, options.dieWithParent);
  const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<string>((resolveExit) => {
    child.once('exit', (code, signal) =>
      resolveExit(`${signal ? `was killed by ${signal}` : `exited with code ${code}`}${lastLine(stderr)}`),
    );
  });
  const ready = await waitForReady(child, () => stderr);
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`PostgreSQL did not start on ${clusterPath}:${lastLine(stderr) || ' no output'}`);
  }
  return {
    child,
    port,
    exited,
    stop: () => stopPostmaster(child),
  };
}

function lastLine(output: string): string {
  const line = output.trim().split('\n').pop();
  return line ? ` (${line})` : '';
}

async function waitForReady(child: ChildProcess, output: () => string): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (output().includes('database system is ready to accept connections')) return true;
    await new Promise((wake) => setTimeout(wake, 50));
  }
  return false;
}

/** Fast shutdown (SIGINT): open sessions are ended, the data stays consistent. */
function stopPostmaster(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGINT');
  });
}

/**
 * A deskbolt killed where servers outlive their parent leaves its postmaster running on the cluster;
 * the data directory's lock (held by now) says no other deskbolt owns it, so it is stopped here.
 */
async function stopOrphanPostmaster(clusterPath: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(join(clusterPath, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !processIsAlive(pid)) return;
  if (!commandLineOf(pid)?.includes(clusterPath)) return;
  // SIGINT is PostgreSQL's fast shutdown: its sessions end and the cluster is left clean.
  await terminate(pid, 'SIGINT');
}
