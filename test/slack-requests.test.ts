import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { actionIds } from '../blocks/ids.js';
import { SlackClientSim, viewStateFrom } from '../src/fake-slack/requests.js';
import { socketModeTransport } from '../src/fake-slack/socket-mode.js';
import { SLACK_BODY_LIMIT_BYTES } from '../src/slack/slack-requests.js';
import { chatSteps } from './support/chats.js';
import { openTestStore } from './support/database.js';
import { fileTicket } from './support/desk.js';
import { SIGNING_SECRET, startTestDesk, startTestFake, type TestDesk } from './support/harness.js';
import { people } from './support/workspace.js';

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function desk(options: Parameters<typeof startTestDesk>[0] = {}): Promise<TestDesk & { logs: string[] }> {
  const logs: string[] = [];
  const test = await startTestDesk({ ...options, logs });
  open.push(() => test.close());
  return Object.assign(test, { logs });
}

const TEN_YEARS_S = 10 * 365 * 24 * 3600;

/** What Slack sends, signed now: the body and its headers as they go on the wire. */
function signed(body: string, contentType: string, timestampSeconds = Date.now() / 1000): Record<string, string> {
  const timestamp = String(Math.floor(timestampSeconds));
  const signature = createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex');
  return {
    'Content-Type': contentType,
    'X-Slack-Request-Timestamp': timestamp,
    'X-Slack-Signature': `v0=${signature}`,
  };
}

/** The last request the simulator sent, changed by `edit` and signed again: a payload Slack never sends. */
async function resendChanged(test: TestDesk, edit: (payload: Record<string, any>) => unknown) {
  const sent = test.slack.lastSent!;
  const form = sent.headers['Content-Type'] === 'application/x-www-form-urlencoded';
  let body: string;
  if (form && new URLSearchParams(sent.body).has('payload')) {
    const payload = JSON.parse(new URLSearchParams(sent.body).get('payload')!);
    const changed = edit(payload) ?? payload;
    body = new URLSearchParams({ payload: JSON.stringify(changed) }).toString();
  } else if (form) {
    const fields = Object.fromEntries(new URLSearchParams(sent.body));
    body = String(edit(fields) ?? new URLSearchParams(fields));
  } else {
    const payload = JSON.parse(sent.body);
    body = JSON.stringify(edit(payload) ?? payload);
  }
  return test.slack.raw(body, signed(body, sent.headers['Content-Type']!));
}

/** A message event as Slack's Events API wraps it; `event` is sent exactly as given. */
function eventEnvelope(test: TestDesk, event: Record<string, unknown>, eventId: string) {
  return {
    token: 'legacy-verification-token',
    team_id: test.fake.teamId,
    api_app_id: test.fake.appId,
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: test.fake.teamId,
        user_id: test.fake.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
  };
}

async function problemMarks(test: TestDesk, number: number) {
  return (await test.store.tickets.history(number)).filter((event) => event.action === 'problem_marked').length;
}

describe('a signed request acts once', () => {
  it('a captured `/ticket problem N` sent again within the window is answered 200 and does nothing', async () => {
    const test = await desk();
    const { number } = await fileTicket({ ...test.deskbolt.desk, testClock: test.clock });
    await test.slack.command(people.ana, '/ticket', `problem ${number}`);
    await test.settled();
    const captured = test.slack.lastSent!;

    const replays = [
      await test.slack.raw(captured.body, captured.headers),
      await test.slack.raw(captured.body, captured.headers),
    ];
    await test.settled();
    expect(replays.map((replay) => [replay.status, replay.body])).toEqual([
      [200, ''],
      [200, ''],
    ]);
    expect(await problemMarks(test, number)).toBe(1);
    // Nobody was answered twice either.
    expect(test.fake.responses().map((response) => response.body.text)).toEqual([
      `#${number} is now a problem. Link its incidents with \`/ticket link N to ${number}\`.`,
    ]);
  });

  it('a new-ticket form submitted once and replayed twice files one ticket', async () => {
    const test = await desk();
    await test.slack.command(people.ana, '/ticket', 'new');
    await test.settled();
    const view = test.fake.okCalls('views.open').at(-1)!.args.view;
    const answers = {
      requester: people.customer,
      subject: 'Card charged twice',
      description: 'Two charges',
      group: '10',
      priority: 'normal',
    };
    await test.slack.viewSubmission(people.ana, {
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, answers),
    });
    await test.settled();
    const captured = test.slack.lastSent!;
    await Promise.all([
      test.slack.raw(captured.body, captured.headers),
      test.slack.raw(captured.body, captured.headers),
    ]);
    await test.settled();
    expect(await test.store.models.Ticket.countDocuments({ subject: 'Card charged twice' })).toBe(1);
  });

  it('another replica on the same database recognises the replay too', async () => {
    const fake = await startTestFake();
    const store = await openTestStore('replay');
    open.push(async () => {
      await store.close();
      await fake.close();
    });
    const first = await desk({ fake, store });
    const second = await desk({ fake, store, clock: first.clock });
    const { number } = await fileTicket({ ...first.deskbolt.desk, testClock: first.clock });
    await first.slack.command(people.ana, '/ticket', `problem ${number}`);
    await first.settled();
    const captured = first.slack.lastSent!;

    const replay = await second.slack.raw(captured.body, captured.headers);
    await second.settled();
    expect([replay.status, replay.body]).toEqual([200, '']);
    expect(await problemMarks(first, number)).toBe(1);
    expect(fake.responses()).toHaveLength(1);
  });

  it('refuses a timestamp more than five minutes from now either way, the future too, and does nothing', async () => {
    const test = await desk();
    const { number } = await fileTicket({ ...test.deskbolt.desk, testClock: test.clock });
    const skewed = (seconds: number) =>
      new SlackClientSim({
        url: test.deskbolt.url,
        signingSecret: SIGNING_SECRET,
        fake: test.fake,
        now: () => Date.now() / 1000 + seconds,
      });

    const answers = [];
    for (const seconds of [TEN_YEARS_S, 6 * 60, -6 * 60])
      answers.push((await skewed(seconds).command(people.ana, '/ticket', `problem ${number}`)).status);
    await test.settled();
    expect(answers).toEqual([401, 401, 401]);
    expect(await problemMarks(test, number)).toBe(0);
    expect(test.fake.responses()).toEqual([]);

    // Within the window either way is Slack's clock differing from ours: acted on.
    expect((await skewed(4 * 60).command(people.ana, '/ticket', `problem ${number}`)).status).toBe(200);
    await test.settled();
    expect(await problemMarks(test, number)).toBe(1);
  });
});

describe('a payload of a shape Slack never sends is refused with 400 before any listener', () => {
  it('refuses payload=null, non-objects and unknown kinds', async () => {
    const test = await desk();
    const answers: [string, number][] = [];
    const form = 'application/x-www-form-urlencoded';
    for (const body of [
      'payload=null',
      'payload=%5B%5D',
      'payload=%22text%22',
      'payload=%7B%7D',
      'payload=%7B%22type%22%3A%22block_suggestion%22%7D',
    ]) {
      answers.push([body, (await test.slack.raw(body, signed(body, form))).status]);
    }
    for (const body of ['null', '[1,2]', '{"type":"event_callback","event":null,"event_id":"Ev1","team_id":"T1"}']) {
      answers.push([body, (await test.slack.raw(body, signed(body, 'application/json'))).status]);
    }
    expect(answers.filter(([, status]) => status !== 400)).toEqual([]);
    expect(test.logs.filter((line) => line.includes('failed'))).toEqual([]);
  });

  it('refuses a slash command whose text or response_url is missing or repeated; nothing runs', async () => {
    const test = await desk();
    const { number } = await fileTicket({ ...test.deskbolt.desk, testClock: test.clock });
    await test.slack.command(people.ana, '/ticket', 'help');
    await test.settled();
    test.fake.clearCalls();
    const edits: ((fields: Record<string, string>) => unknown)[] = [
      (fields) => {
        delete fields.text;
      },
      (fields) => {
        delete fields.response_url;
      },
      (fields) => `${new URLSearchParams({ ...fields, text: `problem ${number}` })}&text=again`,
      (fields) => {
        fields.response_url = 'not a url';
      },
    ];
    const answers = [];
    for (const edit of edits) answers.push((await resendChanged(test, edit)).status);
    await test.settled();
    expect(answers).toEqual([400, 400, 400, 400]);
    expect(test.fake.calls()).toEqual([]);
    expect(await problemMarks(test, number)).toBe(0);
    expect(test.logs.filter((line) => line.includes('listener failed'))).toEqual([]);
  });

  it('refuses a button on a message without its response_url, an action without its id, and a select without its option', async () => {
    const test = await desk();
    // The last request of a live chat's start is the agent's click on Accept, on the Incoming chat message.
    await chatSteps(test).liveChat('UREQS001', people.ana);
    expect(JSON.parse(new URLSearchParams(test.slack.lastSent!.body).get('payload')!).actions[0].action_id).toBe(
      actionIds.acceptChat,
    );
    test.fake.clearCalls();
    const answers = [
      await resendChanged(test, (payload) => {
        delete payload.response_url;
      }),
      await resendChanged(test, (payload) => {
        payload.actions = [{ type: 'button', block_id: 'b', value: '1' }];
      }),
      await resendChanged(test, (payload) => {
        payload.actions = [{ type: 'static_select', action_id: 'reply_macro', block_id: 'b' }];
      }),
      await resendChanged(test, (payload) => {
        payload.user = 'UANA0001';
      }),
    ].map((answer) => answer.status);
    await test.settled();
    expect(answers).toEqual([400, 400, 400, 400]);
    expect(test.fake.calls()).toEqual([]);
    expect(test.logs.filter((line) => line.includes('listener failed'))).toEqual([]);
  });

  it('refuses a modal submission whose view or state is not an object', async () => {
    const test = await desk();
    await test.slack.command(people.ana, '/ticket', 'new');
    await test.settled();
    const view = test.fake.okCalls('views.open').at(-1)!.args.view;
    await test.slack.viewSubmission(people.ana, {
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, { subject: '   ' }),
    });
    await test.settled();
    const answers = [
      await resendChanged(test, (payload) => {
        payload.view = null;
      }),
      await resendChanged(test, (payload) => {
        payload.view.state.values = 'all of them';
      }),
      await resendChanged(test, (payload) => {
        payload.view.blocks = [null];
      }),
    ].map((answer) => answer.status);
    expect(answers).toEqual([400, 400, 400]);
    expect(test.logs.filter((line) => line.includes('listener failed'))).toEqual([]);
  });

  it('never lets a query operator in a thread_ts reach a query: no note is stored on the chat it would match', async () => {
    const test = await desk();
    const chat = await chatSteps(test).liveChat('UREQS002', people.ana);
    const event = {
      type: 'message',
      user: people.ben,
      text: 'injected note',
      channel: chat.thread.channel,
      channel_type: 'channel',
      ts: '1800000000.000100',
      thread_ts: { $gt: '' },
      event_ts: '1800000000.000100',
    };
    const body = JSON.stringify(eventEnvelope(test, event, 'EvINJECT01'));
    const answer = await test.slack.raw(body, signed(body, 'application/json'));
    await test.settled();
    expect(answer.status).toBe(400);
    expect(
      (await test.store.tickets.comments(chat.ticketNumber)).filter((comment) => comment.kind === 'chat-note'),
    ).toEqual([]);
  });

  it('over Socket Mode too: the envelope is acknowledged and dropped, and nothing is stored', async () => {
    const test = await desk({ mode: 'socket' });
    const chat = await chatSteps(test).liveChat('UREQS003', people.ana);
    const event = {
      type: 'message',
      user: people.ben,
      text: 'injected note',
      channel: chat.thread.channel,
      channel_type: 'channel',
      ts: '1800000000.000200',
      thread_ts: { $gt: '' },
      event_ts: '1800000000.000200',
    };
    const answer = await socketModeTransport(test.fake.socketMode).deliver({
      type: 'events_api',
      payload: eventEnvelope(test, event, 'EvINJECT02'),
    });
    await test.settled();
    expect(answer.status).toBe(200);
    expect(
      (await test.store.tickets.comments(chat.ticketNumber)).filter((comment) => comment.kind === 'chat-note'),
    ).toEqual([]);
    expect(test.logs.some((line) => line.includes('event.thread_ts'))).toBe(true);
  });
});

/** An HTTP exchange on a raw socket: the head and the first bytes of a body that may never be sent whole. */
function exchange(port: number, head: string, firstBytes: Buffer): Promise<{ status: number; closedBy: 'server' }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    // The rest of the body is never sent: an answer, and the connection's end, must come without it.
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), closedBy: 'server' });
      socket.destroy();
    });
    socket.write(head);
    socket.write(firstBytes);
  });
}

describe('an over-size body', () => {
  it('is answered 413 from its declared length, signed or not, without reading the rest', async () => {
    const test = await desk();
    const size = 10 * 1024 * 1024;
    const body = Buffer.alloc(size, 'a');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:`).update(body).digest('hex');
    const head = (signedHeaders: string) =>
      `POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n${signedHeaders}\r\n`;
    const answers = [
      await exchange(
        test.deskbolt.port,
        head(`X-Slack-Request-Timestamp: ${timestamp}\r\nX-Slack-Signature: v0=${signature}\r\n`),
        body.subarray(0, 1024),
      ),
      await exchange(test.deskbolt.port, head(''), body.subarray(0, 1024)),
    ];
    expect(answers).toEqual([
      { status: 413, closedBy: 'server' },
      { status: 413, closedBy: 'server' },
    ]);
  });

  it('is answered 413 once a body without a declared length passes the limit', async () => {
    const test = await desk();
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const head =
      'POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    const chunks = Math.ceil((SLACK_BODY_LIMIT_BYTES * 2) / chunk.length);
    const framed = Buffer.concat(
      Array.from({ length: chunks }, () =>
        Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]),
      ),
    );
    expect(await exchange(test.deskbolt.port, head, framed)).toEqual({ status: 413, closedBy: 'server' });
  });
});
