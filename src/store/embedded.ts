import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot as findProjectRoot } from '../project-root.js';
import { acceptsConnections, DataDirLock } from './data-dir-lock.js';
import { clusterUnreachable, findPostgresql, type PostgresqlInstall, startPostgresql } from './embedded-postgresql.js';
import { serializeWritesInThisProcess } from './write-guard.js';

/**
 * Where the database comes from when MONGODB_URI is not set (../shared/DESIGN.md): a real mongod by
 * mongodb-memory-server (which downloads one the first time), else FerretDB (MongoDB wire protocol),
 * built from source once by scripts/build-ferretdb.sh, on PostgreSQL where it is installed (a private
 * cluster in the data directory) and on SQLite otherwise, or when FERRETDB_BACKEND=sqlite says so. One module, shared by `npm start`,
 * the demo and tests. It also keeps the server going: one server per data directory (a lock), a
 * server that dies with this process where the OS allows, and a restart with a bounded back-off when
 * the server dies on its own.
 */
export type EmbeddedKind = 'mongodb-memory-server' | 'ferretdb-postgresql' | 'ferretdb-sqlite';

/** The database `npm start` keeps the desk in on the embedded server (backup and restore use it too). */
export const EMBEDDED_DATABASE = 'deskbolt';

/** FERRETDB_BACKEND: which of FerretDB's backends the embedded server uses when no mongod can be had. */
export type FerretDbBackend = 'postgresql' | 'sqlite';

/** running: answering; restarting: died, being brought back; failed: every restart failed; stopped: stop() was called. */
export type EmbeddedState = 'running' | 'restarting' | 'failed' | 'stopped';

export interface EmbeddedEvents {
  exited: [reason: string];
  restarted: [pid: number];
  failed: [reason: string];
}

export interface EmbeddedDatabase {
  kind: EmbeddedKind;
  uri: string;
  port: number;
  dataDir: string;
  /** True when writes must go one at a time (FerretDB v1, see write-guard.ts). */
  serializesWrites: boolean;
  /** The server's process now; a restart changes it. */
  pid(): number;
  state(): EmbeddedState;
  readonly events: EventEmitter<EmbeddedEvents>;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Keep data here between runs; a throw-away directory when absent. */
  dataDir?: string;
  log?: (line: string) => void;
  /** Listen on this loopback port; a free one when absent. Restarts always reuse the first port. */
  port?: number;
  /** The waits before each restart of a server that died; when every restart has failed, the server is given up. */
  restartDelaysMs?: readonly number[];
  /** Called once when the server is given up; `npm start` exits non-zero then, so a supervisor takes over. */
  onGiveUp?: (reason: string) => void;
  /**
   * The server gets a parent-death signal where the OS has one (Linux, through util-linux's setpriv),
   * so a SIGKILL of this process takes it along. False leaves it running, as on macOS: tests use it
   * to make the orphan that the data directory's lock must deal with.
   */
  tieToParent?: boolean;
}

/** About 50 s of trying in all: long enough for a crash loop to show, short enough that a supervisor gets its turn. */
export const DEFAULT_RESTART_DELAYS_MS: readonly number[] = [250, 1_000, 4_000, 15_000, 30_000];
/** A server that ran this long before it died gets the whole restart budget again. */
const STABLE_AFTER_MS = 60_000;

const projectRoot = findProjectRoot();
const execFileAsync = promisify(execFile);

interface RunningServer {
  pid: number;
  port: number;
  /** Resolves with a sentence saying how the process ended. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

interface ServerLauncher {
  kind: EmbeddedKind;
  /** The server's own data folder inside the data directory. */
  dataPath: string;
  serializesWrites: boolean;
  launch(port: number | undefined): Promise<RunningServer>;
}

export async function startEmbeddedDatabase(options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const log = options.log ?? ((line: string) => console.log(line));
  const persistent = options.dataDir !== undefined;
  const dataDir = persistent ? resolve(options.dataDir!) : await mkdtemp(join(tmpdir(), 'deskbolt-db-'));
  await mkdir(dataDir, { recursive: true });
  // Said after the first line, which names the server and where its data lives.
  const notes: string[] = [];
  const lock = await DataDirLock.acquire(dataDir, (line) => notes.push(line));
  let started: { launcher: ServerLauncher; server: RunningServer; why: string };
  try {
    started = await startFirstServer(dataDir, options, !persistent);
    await lock.recordServer({
      kind: started.launcher.kind,
      pid: started.server.pid,
      port: started.server.port,
      dataPath: started.launcher.dataPath,
    });
  } catch (error) {
    await lock.release();
    if (!persistent) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const { launcher, why } = started;
  if (launcher.serializesWrites) serializeWritesInThisProcess();
  const port = started.server.port;
  const uri = `mongodb://127.0.0.1:${port}/`;
  log(
    `database: started embedded ${launcher.kind} at ${uri} (process ${started.server.pid}), data in ${launcher.dataPath}${persistent ? '' : ' (temporary)'}${why ? `; ${why}` : ''}`,
  );
  for (const note of notes) log(note);

  const events = new EventEmitter<EmbeddedEvents>();
  const delays = options.restartDelaysMs ?? DEFAULT_RESTART_DELAYS_MS;
  let current = started.server;
  let state: EmbeddedState = 'running';
  let runningSince = Date.now();
  let restartsInARow = 0;
  let restartTimer: NodeJS.Timeout | undefined;

  const watch = (server: RunningServer) => {
    void server.exited.then((reason) => {
      if (state === 'stopped' || server !== current) return;
      if (Date.now() - runningSince >= STABLE_AFTER_MS) restartsInARow = 0;
      log(`database: the embedded ${launcher.kind} (process ${server.pid}) ${reason}`);
      events.emit('exited', reason);
      scheduleRestart(reason);
    });
  };
  const scheduleRestart = (reason: string) => {
    if (restartsInARow >= delays.length) {
      state = 'failed';
      const verdict = `database: gave up on the embedded ${launcher.kind} after ${delays.length} restart(s): ${reason}`;
      log(verdict);
      events.emit('failed', verdict);
      options.onGiveUp?.(verdict);
      return;
    }
    state = 'restarting';
    const wait = delays[restartsInARow]!;
    restartsInARow += 1;
    log(`database: restarting it on port ${port} in ${wait} ms (attempt ${restartsInARow} of ${delays.length})`);
    restartTimer = setTimeout(() => void restart(), wait);
  };
  const restart = async () => {
    restartTimer = undefined;
    let server: RunningServer;
    try {
      server = await launcher.launch(port);
    } catch (error) {
      if (state !== 'stopped') scheduleRestart(`it could not be restarted: ${oneLine(error)}`);
      return;
    }
    if (state === 'stopped') return server.stop();
    current = server;
    runningSince = Date.now();
    state = 'running';
    await lock
      .recordServer({ kind: launcher.kind, pid: server.pid, port, dataPath: launcher.dataPath })
      .catch((error: unknown) => log(`database: could not update ${lock.path}: ${oneLine(error)}`));
    log(`database: the embedded ${launcher.kind} is back on port ${port} (process ${server.pid})`);
    events.emit('restarted', server.pid);
    watch(server);
  };
  watch(current);

  return {
    kind: launcher.kind,
    uri,
    port,
    dataDir: launcher.dataPath,
    serializesWrites: launcher.serializesWrites,
    pid: () => current.pid,
    state: () => state,
    events,
    async stop() {
      if (state === 'stopped') return;
      state = 'stopped';
      clearTimeout(restartTimer);
      await current.stop();
      await lock.release();
      if (!persistent) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * mongodb-memory-server first (a real mongod, downloaded once); when it cannot get one, FerretDB on
 * PostgreSQL where PostgreSQL is installed, else FerretDB on SQLite. A data directory that already
 * holds one server's data keeps that server, so no start ever shows an empty desk.
 */
async function startFirstServer(
  dataDir: string,
  options: EmbeddedOptions,
  temporary: boolean,
): Promise<{ launcher: ServerLauncher; server: RunningServer; why: string }> {
  const tie = options.tieToParent ?? true;
  const mongod = mongoMemoryServer(join(dataDir, 'mongod'));
  // The SQLite backend's folder keeps its first name, so data kept by an earlier deskbolt is found.
  const onSqlite = ferretDbServer(join(dataDir, 'ferretdb'), tie);
  const postgresql = findPostgresql();
  const onPostgresql = postgresql
    ? ferretDbOnPostgresql(join(dataDir, 'ferretdb-postgresql'), tie, postgresql, temporary)
    : undefined;
  const holdsData = (path: string) => existsSync(path) && readdirSync(path).length > 0;
  const chosen = chosenBackend();
  if (!holdsData(mongod.dataPath)) {
    if (holdsData(onSqlite.dataPath)) {
      return {
        launcher: onSqlite,
        server: await onSqlite.launch(options.port),
        why: 'this data directory already holds FerretDB data on SQLite',
      };
    }
    if (holdsData(join(dataDir, 'ferretdb-postgresql'))) {
      if (!onPostgresql)
        throw new Error(
          `${join(dataDir, 'ferretdb-postgresql')} holds FerretDB data on PostgreSQL, and PostgreSQL is not installed here (apt-get install postgresql)`,
        );
      return {
        launcher: onPostgresql,
        server: await onPostgresql.launch(options.port),
        why: 'this data directory already holds FerretDB data on PostgreSQL',
      };
    }
  }
  let noMongod: string;
  try {
    return { launcher: mongod, server: await mongod.launch(options.port), why: '' };
  } catch (error) {
    if (holdsData(mongod.dataPath)) {
      throw new Error(
        `mongodb-memory-server could not start mongod on the data in ${mongod.dataPath}: ${oneLine(error)}`,
      );
    }
    noMongod = `mongodb-memory-server could not get a mongod (${oneLine(error)})`;
  }
  if (chosen === 'sqlite')
    return {
      launcher: onSqlite,
      server: await onSqlite.launch(options.port),
      why: `${noMongod}; FERRETDB_BACKEND=sqlite`,
    };
  if (!onPostgresql) {
    if (chosen === 'postgresql')
      throw new Error('FERRETDB_BACKEND=postgresql, and PostgreSQL is not installed here (apt-get install postgresql)');
    return {
      launcher: onSqlite,
      server: await onSqlite.launch(options.port),
      why: `${noMongod}; no PostgreSQL on this machine`,
    };
  }
  const unreachable = clusterUnreachable(onPostgresql.dataPath);
  if (unreachable) {
    if (chosen === 'postgresql') throw new Error(`FERRETDB_BACKEND=postgresql, and ${unreachable}`);
    return {
      launcher: onSqlite,
      server: await onSqlite.launch(options.port),
      why: `${noMongod}; ${unreachable}`,
    };
  }
  return { launcher: onPostgresql, server: await onPostgresql.launch(options.port), why: noMongod };
}

function chosenBackend(): FerretDbBackend | undefined {
  const chosen = process.env.FERRETDB_BACKEND;
  if (chosen === undefined || chosen === '') return undefined;
  if (chosen !== 'postgresql' && chosen !== 'sqlite')
    throw new Error(`FERRETDB_BACKEND is "${chosen}"; use postgresql or sqlite`);
  return chosen;
}

/** A mongod binary already on this machine; mongodb-memory-server otherwise downloads one into its cache. */
function findMongodBinary(): string | undefined {
  const fromEnv = process.env.MONGOMS_SYSTEM_BINARY;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  for (const directory of (process.env.PATH ?? '').split(':')) {
    const candidate = join(directory, 'mongod');
    if (directory && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * mongodb-memory-server retries a failed download three times with waits of 2 s and 4 s, which is a
 * slow way to learn a machine cannot reach MongoDB's site. One attempt, unless the user says otherwise
 * (its own MONGOMS_MAX_RETRIES, read at download time).
 */
function oneDownloadAttemptUnlessSet(): void {
  process.env.MONGOMS_MAX_RETRIES ??= '1';
}

/**
 * A mongod on this machine, else mongodb-memory-server's, downloaded into its cache the first time.
 * scripts/ensure-database.sh calls it too, so `npm start` builds FerretDB only where this fails.
 */
export async function fetchMongod(): Promise<string> {
  const onMachine = findMongodBinary();
  if (onMachine) return onMachine;
  oneDownloadAttemptUnlessSet();
  const { MongoBinary } = await import('mongodb-memory-server');
  return MongoBinary.getPath();
}

function mongoMemoryServer(dbPath: string): ServerLauncher {
  return {
    kind: 'mongodb-memory-server',
    dataPath: dbPath,
    serializesWrites: false,
    async launch(port) {
      // Got first, on its own: MongoMemoryServer.start() prints a failed download to the console itself.
      const systemBinary = await fetchMongod();
      const { MongoMemoryServer } = await import('mongodb-memory-server');
      await mkdir(dbPath, { recursive: true });
      const server = new MongoMemoryServer({
        binary: { systemBinary },
        instance: { dbPath, storageEngine: 'wiredTiger', ip: '127.0.0.1', ...(port === undefined ? {} : { port }) },
      });
      await server.start(port !== undefined);
      const info = server.instanceInfo!;
      const mongodProcess = info.instance.mongodProcess!;
      return {
        pid: mongodProcess.pid!,
        port: info.port,
        exited: exitOf(mongodProcess, () => ''),
        // Its own data stays: a temporary data directory is removed whole by the caller.
        stop: async () => {
          await server.stop({ doCleanup: false, force: false });
        },
      };
    },
  };
}

export async function ferretDbBinary(): Promise<string> {
  const fromEnv = process.env.FERRETDB_BINARY;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const built = join(projectRoot, '.tools', 'bin', 'ferretdb');
  if (existsSync(built)) return built;
  // Building takes a minute, once; after that the binary above is reused.
  const { stdout } = await execFileAsync('bash', [join(projectRoot, 'scripts', 'build-ferretdb.sh')], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim().split('\n').pop()!;
}

function ferretDbServer(dataPath: string, tieToParent: boolean): ServerLauncher {
  return {
    kind: 'ferretdb-sqlite',
    dataPath,
    serializesWrites: true,
    async launch(port) {
      const binary = await ferretDbBinary();
      await mkdir(dataPath, { recursive: true });
      const backend = ['--handler=sqlite', `--sqlite-url=file:${dataPath}/`];
      // A probed port can be taken before FerretDB binds it: try another. A given port is the only one.
      for (let attempt = 1; ; attempt++) {
        const chosen = port ?? (await freeLoopbackPort());
        if (port !== undefined && !(await portIsFree(port)))
          throw new Error(`port ${port} is taken by another process`);
        const started = await spawnFerretDb(binary, backend, dataPath, chosen, tieToParent);
        if ('server' in started) return started.server;
        if (port !== undefined || attempt >= 3)
          throw new Error(`FerretDB did not start (${binary}): ${started.output || 'no output'}`);
      }
    },
  };
}

/**
 * FerretDB in front of a private PostgreSQL cluster (`<dataPath>/cluster`, see embedded-postgresql.ts).
 * The two run and end together: when either dies, the other is stopped, and a restart starts both.
 */
function ferretDbOnPostgresql(
  dataPath: string,
  tieToParent: boolean,
  install: PostgresqlInstall,
  temporary: boolean,
): ServerLauncher {
  return {
    kind: 'ferretdb-postgresql',
    dataPath,
    serializesWrites: true,
    async launch(port) {
      const binary = await ferretDbBinary();
      await mkdir(dataPath, { recursive: true });
      if (port !== undefined && !(await portIsFree(port))) throw new Error(`port ${port} is taken by another process`);
      for (let attempt = 1; ; attempt++) {
        const postgresql = await startPostgresql(install, join(dataPath, 'cluster'), await freeLoopbackPort(), {
          temporary,
          dieWithParent: tieToParent && parentDeathSignalAvailable(),
        });
        const chosen = port ?? (await freeLoopbackPort());
        const backend = [
          '--handler=postgresql',
          `--postgresql-url=postgres://deskbolt@127.0.0.1:${postgresql.port}/postgres`,
        ];
        const started = await spawnFerretDb(binary, backend, dataPath, chosen, tieToParent);
        if ('server' in started) {
          const ferretDb = started.server;
          let stopping = false;
          // FerretDB without its PostgreSQL answers every command with an error: end it, so the restart begins.
          void postgresql.exited.then(() => {
            if (!stopping) void ferretDb.stop();
          });
          return {
            pid: ferretDb.pid,
            port: ferretDb.port,
            exited: Promise.race([
              ferretDb.exited,
              postgresql.exited.then((reason) => `lost its PostgreSQL, which ${reason}`),
            ]).then(async (reason) => {
              await postgresql.stop();
              return reason;
            }),
            stop: async () => {
              stopping = true;
              await ferretDb.stop();
              await postgresql.stop();
            },
          };
        }
        await postgresql.stop();
        if (port !== undefined || attempt >= 3)
          throw new Error(`FerretDB did not start (${binary}): ${started.output || 'no output'}`);
      }
    },
  };
}

async function spawnFerretDb(
  binary: string,
  backend: string[],
  dataPath: string,
  port: number,
  tieToParent: boolean,
): Promise<{ server: RunningServer } | { output: string }> {
  const args = [
    ...backend,
    `--state-dir=${dataPath}`,
    `--listen-addr=127.0.0.1:${port}`,
    // Its debug server defaults to the fixed port 8088, which two servers at once would fight for.
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=error',
  ];
  // setpriv sets the parent-death signal and then execs FerretDB, so the pid is FerretDB's own.
  const child =
    tieToParent && parentDeathSignalAvailable()
      ? spawn('setpriv', ['--pdeathsig', 'SIGTERM', '--', binary, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = exitOf(child, () => stderr);
  if (!(await waitUntilListening(child, port))) {
    child.kill('SIGKILL');
    return { output: stderr.trim() };
  }
  killOnExit(child);
  return { server: { pid: child.pid!, port, exited, stop: () => stopChild(child) } };
}

let parentDeathSignal: boolean | undefined;

/** Linux's PR_SET_PDEATHSIG, which Node cannot set itself; util-linux's setpriv can (2.33 and later). */
function parentDeathSignalAvailable(): boolean {
  if (parentDeathSignal === undefined) {
    parentDeathSignal =
      process.platform === 'linux' &&
      spawnSync('setpriv', ['--pdeathsig', 'SIGTERM', '--', 'true'], { stdio: 'ignore' }).status === 0;
  }
  return parentDeathSignal;
}

const children = new Set<ChildProcess>();
let killingChildrenOnExit = false;

/** An ordinary exit of this process (process.exit, the end of a script) takes its servers along. */
function killOnExit(child: ChildProcess): void {
  if (!killingChildrenOnExit) {
    killingChildrenOnExit = true;
    process.once('exit', () => {
      for (const each of children) each.kill('SIGKILL');
    });
  }
  children.add(child);
  child.once('exit', () => children.delete(child));
}

function exitOf(child: ChildProcess, output: () => string): Promise<string> {
  return new Promise((resolveExit) => {
    const describe = (code: number | null, signal: NodeJS.Signals | null) => {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const said = output().trim().split('\n').pop();
      resolveExit(said ? `${how} (${said})` : how);
    };
    if (child.exitCode !== null || child.signalCode !== null) describe(child.exitCode, child.signalCode);
    else child.once('exit', describe);
  });
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolveProbe) => {
    const server = createServer();
    server.once('error', () => resolveProbe(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveProbe(true)));
  });
}

async function waitUntilListening(child: ChildProcess, port: number): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (await acceptsConnections(port)) return true;
    await new Promise((wake) => setTimeout(wake, 50));
  }
  return false;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}

/** An error as part of one log line (a failed download puts its details on a second line). */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').trim().slice(0, 300);
}
