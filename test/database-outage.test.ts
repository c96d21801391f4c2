import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionIds } from '../blocks/ids.js';
import { DATABASE_DOWN_TEXT } from '../src/slack/faults.js';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../src/store/embedded.js';
import { Store } from '../src/store/store.js';
import { fileTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { channels, people } from './support/workspace.js';

/**
 * The database deskbolt was given (MONGODB_URI) goes away and comes back: a real server, stopped and
 * started again on the same port and data. deskbolt does not own it, so it neither restarts it nor dies.
 */
describe('when the database goes away', () => {
  let dataDir: string;
  let server: EmbeddedDatabase;
  let desk: TestDesk;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'deskbolt-outage-'));
    server = await startEmbeddedDatabase({ dataDir, log: () => undefined });
    // Operations give up after a second instead of ten, so each step of the story is quick.
    const store = await Store.open({ uri: server.uri, dbName: 'outage', unavailableAfterMs: 1_000 });
    desk = await startTestDesk({ store });
  });

  afterAll(async () => {
    await desk.close();
    await desk.store.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    if (server.state() === 'stopped')
      server = await startEmbeddedDatabase({ dataDir, port: server.port, log: () => undefined });
    desk.fake.clearCalls();
  });

  async function databaseDown(): Promise<void> {
    await server.stop();
  }

  it('stays alive (/healthz 200) but not ready (/readyz 503): restarting deskbolt would not bring the database back', async () => {
    await databaseDown();
    const origin = `http://127.0.0.1:${desk.deskbolt.port}`;

    const health = await fetch(`${origin}/healthz`);
    const ready = await fetch(`${origin}/readyz`);

    expect([health.status, await health.json()]).toEqual([200, { ok: true }]);
    expect([ready.status, await ready.json()]).toEqual([503, { ok: false, database: 'unreachable' }]);
  });

  it('tells an agent whose /ticket take was acknowledged that it could not be done, and the same command works once the database is back', async () => {
    const ticket = await fileTicket(desk.deskbolt.desk);
    await databaseDown();

    const acked = await desk.slack.command(people.ana, '/ticket', `take ${ticket.number}`);
    await desk.settled();

    expect(acked.status).toBe(200);
    expect(desk.fake.responses().map((response) => response.body.text)).toEqual([DATABASE_DOWN_TEXT]);
    expect(desk.fake.responses()[0]!.body.response_type).toBe('ephemeral');

    server = await startEmbeddedDatabase({ dataDir, port: server.port, log: () => undefined });
    await desk.slack.command(people.ana, '/ticket', `take ${ticket.number}`);
    await desk.settled();

    expect(desk.fake.responses().at(-1)?.body.text).toBe(`You took #${ticket.number}.`);
    expect((await desk.store.tickets.get(ticket.number))?.assignee).toBe(people.ana);
  });

  it('tells a person who pressed a button on their App Home, where Slack gives no response_url, in their DM with the app', async () => {
    await desk.slack.event({ type: 'app_home_opened', user: people.ben, tab: 'home' });
    await desk.settled();
    await databaseDown();

    await desk.slack.blockAction(
      people.ben,
      { action_id: `${actionIds.homeAvailability}_away` },
      { view: desk.fake.homeView(people.ben)!.id },
    );
    await desk.settled();

    const dm = desk.fake
      .messages(desk.fake.dmChannelOf(people.ben))
      .filter((message) => message.user === desk.fake.botUserId);
    expect(dm.at(-1)?.text).toBe(DATABASE_DOWN_TEXT);
  });

  it("tells a requester whose direct message could not be taken in, and stays quiet about a channel's messages", async () => {
    await databaseDown();

    await desk.slack.message(people.customer, 'My card was charged twice');
    await desk.slack.message(people.customer, 'Anyone there?', { channel: channels.billingIntake });
    await desk.settled();

    const told = desk.fake.calls('chat.postEphemeral').map((call) => call.args);
    expect(told).toEqual([
      expect.objectContaining({
        channel: desk.fake.dmChannelOf(people.customer),
        user: people.customer,
        text: DATABASE_DOWN_TEXT,
      }),
    ]);
  });
});
