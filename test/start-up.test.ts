import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeskbolt } from '../src/deskbolt.js';
import { fakeSlackConfig } from '../src/fake-slack/config.js';
import { FakeSlack } from '../src/fake-slack/server.js';
import type { Store } from '../src/store/store.js';
import { openTestStore } from './support/database.js';
import { testWorkspace } from './support/workspace.js';

describe('starting on a port that is taken', () => {
  let store: Store;
  let fake: FakeSlack;
  let squatter: Server;
  let taken: number;

  beforeAll(async () => {
    store = await openTestStore('startup');
    fake = await FakeSlack.start();
    squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, resolve));
    taken = (squatter.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => squatter.close(resolve));
    await fake.close();
    await store.close();
  });

  const start = (config: Parameters<typeof fakeSlackConfig>[1]) =>
    startDeskbolt({
      config: fakeSlackConfig(fake, config),
      workspace: testWorkspace(),
      store,
      schedule: false,
      log: () => undefined,
    });

  it('ends the start with a sentence naming the port and its setting', async () => {
    await expect(start({ port: taken })).rejects.toThrow(
      `port ${taken} (PORT) is already in use: stop what listens there, or set PORT to a free port`,
    );
  });

  it('says the same of METRICS_PORT, and lets go of the port it did get', async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, resolve));
    const port = (free.address() as { port: number }).port;
    await new Promise((resolve) => free.close(resolve));

    await expect(start({ port, metricsPort: taken })).rejects.toThrow(`port ${taken} (METRICS_PORT) is already in use`);

    const again = createServer();
    await new Promise<void>((resolve, reject) => again.once('error', reject).listen(port, resolve));
    await new Promise((resolve) => again.close(resolve));
  });
});
