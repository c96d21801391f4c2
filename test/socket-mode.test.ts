import { afterEach, describe, expect, it } from 'vitest';
import { actionIds } from '../blocks/ids.js';
import { startDeskbolt } from '../src/deskbolt.js';
import { fakeSlackSocketConfig } from '../src/fake-slack/config.js';
import type { FakeSlack } from '../src/fake-slack/server.js';
import { CONNECTIONS_PER_REPLICA } from '../src/slack/socket-mode-receiver.js';
import type { Store } from '../src/store/store.js';
import type { Ticket } from '../src/tickets/types.js';
import { chatSteps } from './support/chats.js';
import { openTestStore } from './support/database.js';
import { fileTicket } from './support/desk.js';
import { startTestDesk, startTestFake, type TestDesk } from './support/harness.js';
import { channels, people, testWorkspace } from './support/workspace.js';

/** deskbolt on Socket Mode: reconnects, replicas, health. The flows themselves are in receivers.test.ts. */
describe('Socket Mode', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });

  async function socketDesk(options: { fake?: FakeSlack; store?: Store } = {}): Promise<TestDesk> {
    const desk = await startTestDesk({ mode: 'socket', ...options });
    cleanup.push(() => desk.close());
    return desk;
  }

  const openIds = (fake: FakeSlack) => fake.socketMode.connections().map((connection) => connection.id);
  const routableIds = (fake: FakeSlack) =>
    fake.socketMode
      .connections()
      .filter((connection) => connection.routable)
      .map((connection) => connection.id);

  it('Slack rotates both connections in the middle of a burst: every click and message is answered, none acted on twice', async () => {
    const desk = await socketDesk();
    const steps = chatSteps(desk);
    await steps.status(people.ana, 'online');
    const tickets: Ticket[] = [];
    for (let i = 0; i < 12; i += 1) tickets.push(await fileTicket({ ...desk.deskbolt.desk, testClock: desk.clock }));
    const [first, second] = openIds(desk.fake);
    expect(openIds(desk.fake)).toHaveLength(CONNECTIONS_PER_REPLICA);

    // Each wave: four people write to the bot (a chat each) and Ana takes four tickets.
    let wave = 0;
    const fire = () => {
      const n = wave++;
      return [
        ...[0, 1, 2, 3].map((i) => desk.slack.message(`UBURST${n}${i}`, `Help with order ${n}${i}`)),
        ...tickets
          .slice(n * 4, n * 4 + 4)
          .map((ticket) =>
            desk.slack.blockAction(
              people.ana,
              { action_id: actionIds.take, value: String(ticket.number) },
              { channel: channels.billingAlerts, message: { ts: `1700000000.00${n}${ticket.number}` } },
            ),
          ),
      ];
    };
    const answers = [...fire()];
    // These envelopes are on the wire when Slack retires the connection they went to.
    desk.fake.socketMode.disconnect(first!, 'refresh_requested');
    answers.push(...fire());
    await desk.fake.socketMode.waitUntil(() => routableIds(desk.fake).length === CONNECTIONS_PER_REPLICA);
    desk.fake.socketMode.disconnect(second!, 'warning');
    answers.push(...fire());
    const settledAnswers = await Promise.all(answers);
    await desk.settled();

    expect(settledAnswers.map((answer) => answer.error ?? answer.status)).toEqual(Array(24).fill(200));
    for (let n = 0; n < 3; n += 1) {
      for (let i = 0; i < 4; i += 1) {
        const chats = await desk.store.models.Ticket.countDocuments({ 'requester.userId': `UBURST${n}${i}` });
        expect(chats, `chats of UBURST${n}${i}`).toBe(1);
      }
    }
    const incoming = desk.fake
      .okCalls('chat.postMessage')
      .filter((call) => JSON.stringify(call.args.blocks ?? []).includes('Incoming chat #'));
    expect(incoming).toHaveLength(12);
    for (const ticket of tickets) {
      expect((await desk.store.tickets.get(ticket.number))!.assignee).toBe(people.ana);
      expect(
        (await desk.store.tickets.history(ticket.number)).filter((event) => event.action === 'taken'),
      ).toHaveLength(1);
    }
    // Nothing needed Slack's retry: every envelope was acknowledged the first time, the in-flight ones
    // on the connection they came on, before the app let it go.
    const envelopes = desk.fake.socketMode.envelopes();
    expect(envelopes).toHaveLength(24 + 1);
    expect(envelopes.filter((envelope) => envelope.ack === undefined)).toEqual([]);
    expect(envelopes.filter((envelope) => envelope.retryAttempt > 0)).toEqual([]);
    const onRetired = envelopes.filter((envelope) => envelope.connection === first || envelope.connection === second);
    expect(onRetired.every((envelope) => envelope.ack!.connection === envelope.connection)).toBe(true);
    await desk.fake.socketMode.waitUntil(
      () => !openIds(desk.fake).includes(first!) && !openIds(desk.fake).includes(second!),
    );
    expect(routableIds(desk.fake)).toHaveLength(CONNECTIONS_PER_REPLICA);
  });

  it('an event one replica acted on but never acknowledged is retried on another replica, and not acted on again', async () => {
    const fake = await startTestFake();
    const store = await openTestStore('socketreplicas');
    cleanup.push(
      () => fake.close(),
      () => store.close(),
    );
    const a = await socketDesk({ fake, store });
    const ofA = openIds(fake);
    const b = await socketDesk({ fake, store });
    const ofB = openIds(fake).filter((id) => !ofA.includes(id));
    expect(ofB).toHaveLength(CONNECTIONS_PER_REPLICA);

    // Replica A gets the requester's first message, acts on it, and its ack is lost on the way.
    fake.socketMode.steer((routable) => routable.find((id) => ofA.includes(id)));
    for (const id of ofA) fake.socketMode.loseAcksFrom(id);
    const answer = a.slack.message('UREQRETRY', 'Is anyone there?');
    await fake.socketMode.waitUntil(() => fake.socketMode.envelopes().some((envelope) => envelope.lostAck));
    await a.settled();
    expect(await store.models.Ticket.countDocuments({ 'requester.userId': 'UREQRETRY' })).toBe(1);

    // Slack's three seconds are up: it retries the event, this time on B's connection.
    fake.socketMode.steer((routable) => routable.find((id) => ofB.includes(id)));
    fake.socketMode.expireAckWindows();
    expect((await answer).status).toBe(200);
    await b.settled();
    await a.settled();

    const [original, retry] = fake.socketMode.envelopes().filter((envelope) => envelope.type === 'events_api');
    expect(original).toMatchObject({ retryAttempt: 0, retryReason: '', lostAck: true });
    expect(ofA).toContain(original!.connection);
    expect(retry).toMatchObject({ retryAttempt: 1, retryReason: 'timeout' });
    expect(ofB).toContain(retry!.ack!.connection);
    expect(retry!.payload.event_id).toBe(original!.payload.event_id);
    expect(await store.models.Ticket.countDocuments({ 'requester.userId': 'UREQRETRY' })).toBe(1);
    const incoming = fake
      .okCalls('chat.postMessage')
      .filter((call) => JSON.stringify(call.args.blocks ?? []).includes('Incoming chat #'));
    expect(incoming).toHaveLength(1);
  });

  it('/healthz and /readyz report the socket; a bot with no connection to Slack is not ready', async () => {
    const desk = await socketDesk();
    const origin = `http://127.0.0.1:${desk.deskbolt.port}`;
    const ready = await fetch(`${origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      ok: true,
      database: 'reachable',
      socket: { connections: 2, wanted: 2, up: true },
    });

    // Socket Mode is turned off for the app: Slack drops the connections and will not give new ones.
    for (let i = 0; i < 20; i += 1) desk.fake.failNext('apps.connections.open', 'invalid_auth');
    for (const id of openIds(desk.fake)) desk.fake.socketMode.disconnect(id, 'link_disabled');
    await desk.fake.socketMode.waitUntil(() => openIds(desk.fake).length === 0);

    const notReady = await fetch(`${origin}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({
      ok: false,
      database: 'reachable',
      socket: { connections: 0, wanted: 2, up: false },
    });
    const alive = await fetch(`${origin}/healthz`);
    expect(alive.status).toBe(200);
    expect(await alive.json()).toEqual({ ok: true, socket: { connections: 0, wanted: 2, up: false } });
  });

  it('refuses to start with a token Slack refuses for Socket Mode, saying which token and why', async () => {
    const fake = await startTestFake();
    const store = await openTestStore('socketbadtoken');
    cleanup.push(
      () => fake.close(),
      () => store.close(),
    );
    const config = fakeSlackSocketConfig(fake);
    const start = startDeskbolt({
      config: { ...config, slack: { ...config.slack, appToken: 'xapp-1-someone-elses' } },
      workspace: testWorkspace(),
      store,
      log: () => undefined,
      schedule: false,
    });
    await expect(start).rejects.toThrow(
      'Slack refused SLACK_APP_TOKEN (invalid_auth): it must be an app-level token (xapp-…) of this app with the connections:write scope',
    );
  });
});
