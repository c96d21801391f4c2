import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { serializeWritesInThisProcess } from './write-guard.js';

/**
 * Where the database comes from when MONGODB_URI is not set (../shared/DESIGN.md): a real mongod by
 * mongodb-memory-server when one can be had, else FerretDB (MongoDB wire protocol on SQLite), built
 * from source once by scripts/build-ferretdb.sh. One module, shared by `npm start`, the demo and tests.
 */
export interface EmbeddedDatabase {
  kind: 'mongodb-memory-server' | 'ferretdb';
  uri: string;
  dataDir: string;
  /** True when writes must go one at a time (FerretDB v1, see write-guard.ts). */
  serializesWrites: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Keep data here between runs; a throw-away directory when absent. */
  dataDir?: string;
  log?: (line: string) => void;
}

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const execFileAsync = promisify(execFile);

export async function startEmbeddedDatabase(options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const log = options.log ?? ((line: string) => console.log(line));
  const persistent = options.dataDir !== undefined;
  const dataDir = persistent ? resolve(options.dataDir!) : await mkdtemp(join(tmpdir(), 'deskbolt-db-'));

  const mongod = await tryMongoMemoryServer(join(dataDir, 'mongod'), persistent);
  const database = mongod ?? (await startFerretDb(join(dataDir, 'ferretdb')));
  if (database.serializesWrites) serializeWritesInThisProcess();
  log(`database: started embedded ${database.kind} at ${database.uri}, data in ${database.dataDir}${persistent ? '' : ' (temporary)'}`);
  return {
    ...database,
    async stop() {
      await database.stop();
      if (!persistent) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Only when a mongod binary is already on this machine: a download attempt would fail here anyway. */
function findMongodBinary(): string | undefined {
  const fromEnv = process.env.MONGOMS_SYSTEM_BINARY;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  for (const directory of (process.env.PATH ?? '').split(':')) {
    const candidate = join(directory, 'mongod');
    if (directory && existsSync(candidate)) return candidate;
  }
  return undefined;
}

async function tryMongoMemoryServer(dbPath: string, persistent: boolean): Promise<EmbeddedDatabase | undefined> {
  const binary = findMongodBinary();
  if (!binary) return undefined;
  try {
    const { MongoMemoryServer } = await import('mongodb-memory-server');
    await mkdir(dbPath, { recursive: true });
    const server = await MongoMemoryServer.create({
      binary: { systemBinary: binary },
      instance: { dbPath, storageEngine: 'wiredTiger', ip: '127.0.0.1' },
    });
    return {
      kind: 'mongodb-memory-server',
      uri: server.getUri(),
      dataDir: dbPath,
      serializesWrites: false,
      stop: async () => {
        await server.stop({ doCleanup: !persistent, force: false });
      },
    };
  } catch (error) {
    console.warn(`database: mongodb-memory-server could not start mongod (${(error as Error).message}); using FerretDB`);
    return undefined;
  }
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

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolveProbe) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolveProbe(true);
    });
    socket.once('error', () => resolveProbe(false));
  });
}

async function startFerretDb(dataDir: string): Promise<EmbeddedDatabase> {
  const binary = await ferretDbBinary();
  await mkdir(dataDir, { recursive: true });
  // The port is probed free and then handed over, so another process can take it in between: retry.
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    const child = spawn(
      binary,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${dataDir}/`,
        `--state-dir=${dataDir}`,
        `--listen-addr=127.0.0.1:${port}`,
        // Its debug server defaults to the fixed port 8088, which two servers at once would fight for.
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const ready = await waitUntilListening(child, port);
    if (ready) {
      const stop = () => stopChild(child);
      process.once('exit', () => child.kill('SIGKILL'));
      return { kind: 'ferretdb', uri: `mongodb://127.0.0.1:${port}/`, dataDir, serializesWrites: true, stop };
    }
    child.kill('SIGKILL');
    if (attempt >= 3) throw new Error(`FerretDB did not start (${binary}): ${stderr.trim() || 'no output'}`);
  }
}

async function waitUntilListening(child: ChildProcess, port: number): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    if (await acceptsConnections(port)) return true;
    await new Promise((wake) => setTimeout(wake, 50));
  }
  return false;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}
