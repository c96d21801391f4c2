import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeSlack } from '../src/fake-slack/server.js';

/** The fake's Socket Mode, spoken to by a bare WebSocket client, as Slack's docs describe the protocol. */
describe('the fake Slack speaks Socket Mode', () => {
  let fake: FakeSlack;
  const sockets: WebSocket[] = [];
  beforeEach(async () => {
    fake = await FakeSlack.start();
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.terminate();
    await fake.close();
  });

  async function call(method: string, token?: string): Promise<Record<string, any>> {
    const response = await fetch(`${fake.apiUrl}${method}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: method === 'chat.postMessage' ? 'channel=C0GENERAL&text=hi' : '',
    });
    return (await response.json()) as Record<string, any>;
  }

  /** A connection as an app holds it: every message it got, and a way to wait for the next. */
  async function connect(url?: string) {
    const target = url ?? (await call('apps.connections.open', fake.appToken)).url;
    const socket = new WebSocket(target);
    sockets.push(socket);
    const messages: any[] = [];
    const waiting: ((message: any) => void)[] = [];
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      const waiter = waiting.shift();
      if (waiter) waiter(message);
      else messages.push(message);
    });
    const next = (): Promise<any> => {
      const queued = messages.shift();
      return queued !== undefined ? Promise.resolve(queued) : new Promise((resolve) => waiting.push(resolve));
    };
    const hello = await next();
    const id = fake.socketMode.connections().at(-1)!.id;
    const ack = (envelopeId: string, payload?: unknown) =>
      socket.send(JSON.stringify({ envelope_id: envelopeId, ...(payload === undefined ? {} : { payload }) }));
    return { socket, hello, next, ack, id, url: target };
  }

  it('apps.connections.open takes the app-level token only, and gives a URL that opens one connection', async () => {
    expect(await call('apps.connections.open', fake.token)).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect(await call('apps.connections.open')).toEqual({ ok: false, error: 'not_authed' });
    expect(await call('apps.connections.open', 'xapp-1-A0OTHER-1-nope')).toEqual({ ok: false, error: 'invalid_auth' });
    expect(await call('chat.postMessage', fake.appToken)).toEqual({ ok: false, error: 'not_allowed_token_type' });

    const opened = await call('apps.connections.open', fake.appToken);
    expect(opened.ok).toBe(true);
    expect(opened.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[0-9a-f]+&app_id=A0DESKBOLT$/);
    const { hello } = await connect(opened.url);
    expect(hello).toMatchObject({
      type: 'hello',
      num_connections: 1,
      connection_info: { app_id: 'A0DESKBOLT' },
      debug_info: { approximate_connection_time: expect.any(Number) },
    });

    const again = new WebSocket(opened.url);
    again.on('error', () => undefined);
    const refused = await new Promise<number>((resolve) =>
      again.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)),
    );
    expect(refused).toBe(401);
  });

  it('wraps each payload in an envelope, and the ack carries what an HTTP response body would', async () => {
    const app = await connect();
    const command = fake.socketMode.deliver('slash_commands', { command: '/ticket', text: 'help', user_id: 'U1' });
    const commandEnvelope = await app.next();
    expect(commandEnvelope).toEqual({
      envelope_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: { command: '/ticket', text: 'help', user_id: 'U1' },
    });
    app.ack(commandEnvelope.envelope_id, { text: 'Here is what you can do' });
    expect(await command).toEqual({ acked: true, payload: { text: 'Here is what you can do' }, connection: app.id });

    const event = fake.socketMode.deliver('events_api', {
      type: 'event_callback',
      event_id: 'Ev1',
      event: { type: 'app_home_opened' },
    });
    const eventEnvelope = await app.next();
    expect(eventEnvelope).toMatchObject({
      type: 'events_api',
      accepts_response_payload: false,
      retry_attempt: 0,
      retry_reason: '',
    });
    app.ack(eventEnvelope.envelope_id);
    expect(await event).toMatchObject({ acked: true, payload: {} });

    void fake.socketMode.deliver('interactive', { type: 'block_actions', actions: [] });
    expect(await app.next()).toMatchObject({ type: 'interactive', accepts_response_payload: false });
    void fake.socketMode.deliver('interactive', { type: 'view_submission', view: {} });
    expect(await app.next()).toMatchObject({ type: 'interactive', accepts_response_payload: true });
  });

  it('retries an unacknowledged event as the Events API does (three times, then gives up); a click is not retried', async () => {
    const app = await connect();
    const event = fake.socketMode.deliver('events_api', {
      type: 'event_callback',
      event_id: 'EvRETRY',
      event: { type: 'message' },
    });
    const first = await app.next();
    fake.socketMode.expireAckWindows();
    const retry1 = await app.next();
    expect(retry1).toMatchObject({ retry_attempt: 1, retry_reason: 'timeout', payload: { event_id: 'EvRETRY' } });
    expect(retry1.envelope_id).not.toBe(first.envelope_id);

    // The second retry waits a minute and the third five: the test says when that time has passed.
    fake.socketMode.expireAckWindows();
    expect(fake.socketMode.envelopes()).toHaveLength(2);
    fake.socketMode.retryNow();
    expect(await app.next()).toMatchObject({ retry_attempt: 2, retry_reason: 'timeout' });
    fake.socketMode.expireAckWindows();
    fake.socketMode.retryNow();
    expect(await app.next()).toMatchObject({ retry_attempt: 3, retry_reason: 'timeout' });
    fake.socketMode.expireAckWindows();
    expect(await event).toEqual({ acked: false, error: 'operation_timeout' });

    // An ack that comes after Slack gave up changes nothing.
    app.ack(first.envelope_id);
    const click = fake.socketMode.deliver('interactive', { type: 'block_actions', actions: [] });
    await app.next();
    fake.socketMode.expireAckWindows();
    expect(await click).toEqual({ acked: false, error: 'operation_timeout' });
    expect(fake.socketMode.envelopes().filter((envelope) => envelope.type === 'interactive')).toHaveLength(1);
  });

  it('with no connection open, a click fails at once and an event waits for the app to connect', async () => {
    expect(await fake.socketMode.deliver('interactive', { type: 'block_actions', actions: [] })).toEqual({
      acked: false,
      error: 'dispatch_failed',
    });
    const event = fake.socketMode.deliver('events_api', {
      type: 'event_callback',
      event_id: 'EvWAIT',
      event: { type: 'message' },
    });
    const app = await connect();
    const envelope = await app.next();
    expect(envelope.payload.event_id).toBe('EvWAIT');
    app.ack(envelope.envelope_id);
    expect(await event).toMatchObject({ acked: true });
  });

  it('disconnect: the retired connection is told why and gets nothing more; an ack is taken on any of the app’s connections', async () => {
    const old = await connect();
    const fresh = await connect();
    expect(fresh.hello.num_connections).toBe(2);
    fake.socketMode.steer((routable) => routable.find((id) => id === old.id));
    const inFlight = fake.socketMode.deliver('events_api', {
      type: 'event_callback',
      event_id: 'EvFLIGHT',
      event: { type: 'message' },
    });
    const envelope = await old.next();

    fake.socketMode.disconnect(old.id, 'refresh_requested');
    expect(await old.next()).toEqual({
      type: 'disconnect',
      reason: 'refresh_requested',
      debug_info: { host: 'applink-fake' },
    });
    expect(fake.socketMode.connections()).toEqual([
      { id: old.id, routable: false },
      { id: fresh.id, routable: true },
    ]);
    const next = fake.socketMode.deliver('interactive', { type: 'block_actions', actions: [] });
    const onFresh = await fresh.next();
    fresh.ack(onFresh.envelope_id);
    expect(await next).toMatchObject({ acked: true, connection: fresh.id });

    old.socket.close();
    fresh.ack(envelope.envelope_id);
    expect(await inFlight).toMatchObject({ acked: true, connection: fresh.id });
  });
});
