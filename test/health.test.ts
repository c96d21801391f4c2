import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startDeskbolt } from '../src/deskbolt.js';
import { fakeSlackConfig } from '../src/fake-slack/config.js';
import { type EmbeddedOptions, startEmbeddedDatabase } from '../src/store/embedded.js';
import { Store } from '../src/store/store.js';
import { startTestFake } from './support/harness.js';
import { testWorkspace } from './support/workspace.js';

/**
 * /healthz: this process can work, or is bringing its own parts back (restart it when not).
 * /readyz: it can serve a request now (send it traffic when so). Here deskbolt runs its own database.
 */
describe('health of a deskbolt that runs its embedded database', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  async function deskWithEmbeddedDatabase(options: EmbeddedOptions) {
    const database = await startEmbeddedDatabase({ log: () => undefined, ...options });
    cleanups.push(() => database.stop());
    const store = await Store.open({ uri: database.uri, dbName: 'health', unavailableAfterMs: 1_000 });
    cleanups.push(() => store.close());
    const fake = await startTestFake();
    cleanups.push(() => fake.close());
    const deskbolt = await startDeskbolt({
      config: fakeSlackConfig(fake),
      workspace: testWorkspace(),
      store,
      embeddedDatabase: database,
      schedule: false,
      log: () => undefined,
    });
    cleanups.push(() => deskbolt.close());
    const get = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${deskbolt.port}${path}`);
      return { status: response.status, body: await response.json() };
    };
    return { database, get };
  }

  it('stays alive but not ready while its database restarts', async () => {
    const { database, get } = await deskWithEmbeddedDatabase({ restartDelaysMs: [60_000] });
    expect(await get('/healthz')).toEqual({ status: 200, body: { ok: true, embeddedDatabase: 'running' } });
    expect(await get('/readyz')).toEqual({
      status: 200,
      body: { ok: true, database: 'reachable', embeddedDatabase: 'running' },
    });

    const exited = once(database.events, 'exited');
    process.kill(database.pid(), 'SIGKILL');
    await exited;

    expect(await get('/healthz')).toEqual({ status: 200, body: { ok: true, embeddedDatabase: 'restarting' } });
    expect(await get('/readyz')).toEqual({
      status: 503,
      body: { ok: false, database: 'unreachable', embeddedDatabase: 'restarting' },
    });
  });

  it('is not called healthy once its database has been given up', async () => {
    const { database, get } = await deskWithEmbeddedDatabase({ restartDelaysMs: [10] });
    // The port is taken the moment the server is gone, so its one restart fails.
    const squatter = createServer((socket) => socket.destroy());
    database.events.once('exited', () => squatter.listen(database.port));
    cleanups.push(() => new Promise((done) => squatter.close(done)));

    const failed = once(database.events, 'failed');
    process.kill(database.pid(), 'SIGKILL');
    await failed;

    expect(await get('/healthz')).toEqual({ status: 503, body: { ok: false, embeddedDatabase: 'failed' } });
    expect(await get('/readyz')).toEqual({
      status: 503,
      body: { ok: false, database: 'unreachable', embeddedDatabase: 'failed' },
    });
  });
});
