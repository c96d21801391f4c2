import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_DOWN_TEXT } from '../src/slack/faults.js';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../src/store/embedded.js';
import { Store } from '../src/store/store.js';
import { fileTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people, testWorkspace } from './support/workspace.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const WRITE_KEY = 'dk_live_outage_0123456789abcdef';
/** Slack shows "operation_timeout" to a person whose request is not answered in three seconds. */
const SLACK_ACK_DEADLINE_MS = 3_000;

/**
 * The database (MONGODB_URI) killed, with the store's ordinary waits (not the shortened ones of
 * database-outage.test.ts): Slack's three seconds and a REST client's patience are deadlines, not
 * speed goals, so they are asserted here.
 */
describe('while the database is away, every request is answered in time', () => {
  let dataDir: string;
  let server: EmbeddedDatabase;
  let desk: TestDesk;
  let store: Store;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'deskbolt-away-'));
    server = await startEmbeddedDatabase({ dataDir, log: () => undefined });
    store = await Store.open({ uri: server.uri, dbName: 'away' });
    desk = await startTestDesk({
      store,
      workspace: testWorkspace({ apiKeys: [{ name: 'web-form', sha256: sha256(WRITE_KEY), scope: 'all' }] }),
    });
  });
  afterAll(async () => {
    await desk.close();
    await store.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    if (server.state() === 'stopped')
      server = await startEmbeddedDatabase({ dataDir, port: server.port, log: () => undefined });
    await databaseAnswers();
    desk.fake.clearCalls();
  });

  /** Until deskbolt sees its database again, by itself: nothing in the test tells it. */
  async function databaseAnswers(): Promise<void> {
    for (let tries = 0; tries < 100; tries += 1) {
      const ready = await fetch(`http://127.0.0.1:${desk.deskbolt.port}/readyz`);
      if (ready.status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('deskbolt did not see its database again');
  }

  async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
    const started = performance.now();
    const value = await work();
    return { value, ms: performance.now() - started };
  }

  const fileByApi = () =>
    fetch(`http://127.0.0.1:${desk.deskbolt.port}/api/v1/tickets`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${WRITE_KEY}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': 'outage-form-1',
      },
      body: JSON.stringify({ subject: 'Refund please', requester: { email: 'pat@example.com', name: 'Pat' } }),
    });

  it('/ticket take is acknowledged within three seconds and the agent is told the database is away; the same command works once it is back', async () => {
    const ticket = await fileTicket(desk.deskbolt.desk);
    await server.stop();

    const { value: acked, ms } = await timed(() => desk.slack.command(people.ana, '/ticket', `take ${ticket.number}`));
    expect(acked.status).toBe(200);
    expect(ms).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    await desk.settled();
    expect(desk.fake.responses().map((response) => response.body.text)).toEqual([DATABASE_DOWN_TEXT]);

    server = await startEmbeddedDatabase({ dataDir, port: server.port, log: () => undefined });
    await databaseAnswers();
    await desk.slack.command(people.ana, '/ticket', `take ${ticket.number}`);
    await desk.settled();
    expect(desk.fake.responses().at(-1)?.body.text).toBe(`You took #${ticket.number}.`);
  });

  it("two agents' commands are each acknowledged within three seconds and told why nothing happened", async () => {
    const ticket = await fileTicket(desk.deskbolt.desk);
    await server.stop();
    for (const agent of [people.ana, people.ben]) {
      const { value: acked, ms } = await timed(() => desk.slack.command(agent, '/ticket', `show ${ticket.number}`));
      expect(acked.status).toBe(200);
      expect(ms).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    }
    await desk.settled();
    expect(desk.fake.responses().map((response) => response.body.text)).toEqual([
      DATABASE_DOWN_TEXT,
      DATABASE_DOWN_TEXT,
    ]);
  });

  it('the REST API answers 503 within two seconds, files nothing, and files the ticket once the database is back', async () => {
    await server.stop();
    const { value: refused, ms } = await timed(fileByApi);
    expect(ms).toBeLessThan(2_000);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(await refused.json()).toMatchObject({ error: { code: 'database_unavailable' } });

    server = await startEmbeddedDatabase({ dataDir, port: server.port, log: () => undefined });
    await databaseAnswers();
    const before = await store.connection.db!.collection('tickets').countDocuments({ subject: 'Refund please' });
    const filed = await fileByApi();
    expect(filed.status).toBe(201);
    expect(await store.connection.db!.collection('tickets').countDocuments({ subject: 'Refund please' })).toBe(
      before + 1,
    );
  });
});
