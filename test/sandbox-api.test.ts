import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionIds, replyFields } from '../blocks/ids.js';
import { type SandboxDesk, startSandboxDesk } from '../src/sandbox/desk.js';
import type { Store } from '../src/store/store.js';
import { startTestSandbox, type TestSandbox } from './support/sandbox.js';

/** The sandbox page's API, as the page calls it: what each person sees, and what it refuses to do for them. */

const people = { ana: 'U0ANA00001', ben: 'U0BEN00002', carla: 'U0CARLA001' };
const BILLING_ALERTS = 'C0BILLING01';

let store: Store;
let sandbox: SandboxDesk;
let testSandbox: TestSandbox | undefined;
let base: string;

beforeAll(async () => {
  testSandbox = await startTestSandbox('sandboxapi');
  ({ store, sandbox } = testSandbox);
  base = `http://127.0.0.1:${sandbox.deskbolt.port}/sandbox/api`;
});

afterAll(async () => {
  await testSandbox?.close();
});

beforeEach(async () => {
  await sandbox.reset();
});

async function act(body: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const response = await fetch(`${base}/act`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

async function seenBy(user: string): Promise<any> {
  return (await fetch(`${base}/seen-by/${user}`)).json();
}

describe('the sandbox API', () => {
  it('refuses what Slack’s client would not send, says why, and sends the app nothing', async () => {
    expect(await act({ as: people.carla, kind: 'message', channel: BILLING_ALERTS, text: 'let me in' })).toEqual({
      status: 200,
      json: { ok: false, problem: 'You are not in that conversation.' },
    });
    expect(
      (await act({ as: people.ben, kind: 'command', channel: BILLING_ALERTS, text: '/tikcet queue' })).json.problem,
    ).toBe(
      '/tikcet is not a valid command. In Slack, all messages that start with the "/" character are interpreted as commands.',
    );
    expect((await act({ as: people.ben, kind: 'message', channel: BILLING_ALERTS, text: '   ' })).json).toEqual({
      ok: false,
      problem: 'Write something first.',
    });
    expect(await act({ kind: 'command', channel: BILLING_ALERTS, text: '/ticket queue' })).toEqual({
      status: 400,
      json: { ok: false, problem: 'as: Invalid input: expected string, received undefined' },
    });
    expect((await act({ as: 'U0NOBODY01', kind: 'openHome' })).status).toBe(404);
    expect((await act({ as: people.ben, kind: 'submit', viewId: 'V0000000042', values: {} })).json).toEqual({
      ok: false,
      problem: 'That form is no longer open.',
    });

    expect(sandbox.fake.calls()).toEqual([]);
    expect(sandbox.fake.messages()).toEqual([]);
  });

  it('lets a requester share a file in their DM with a few words: it is shown on their message and kept with the ticket it starts', async () => {
    const dm = (await seenBy(people.carla)).conversations.find((conversation: any) => conversation.kind === 'dm').id;
    const png = Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d9d6ec0000000049454e44ae426082',
      'hex',
    );
    expect(
      (
        await act({
          as: people.carla,
          kind: 'shareFile',
          channel: dm,
          name: 'receipt.png',
          contentBase64: png.toString('base64'),
          text: 'My receipt for order 88',
        })
      ).json,
    ).toEqual({ ok: true, ts: expect.any(String) });
    const mine = (await seenBy(people.carla)).conversations
      .find((conversation: any) => conversation.id === dm)
      .messages.find((message: any) => message.user === people.carla);
    expect(mine).toMatchObject({
      text: 'My receipt for order 88',
      files: [{ name: 'receipt.png', size: png.length, mimetype: 'image/png' }],
    });
    const chat = (await store.chats.openOf(people.carla))!;
    expect((await store.files.ofTicket(chat.ticketNumber)).map((file) => file.name)).toEqual(['receipt.png']);
    expect(
      (await act({ as: people.carla, kind: 'shareFile', channel: dm, name: 'x.png', contentBase64: 'not base64!' }))
        .status,
    ).toBe(400);
  });

  it('takes only JSON posts, which another web page cannot make a browser send, so it cannot reset the desk', async () => {
    await act({ as: people.ben, kind: 'command', channel: BILLING_ALERTS, text: '/ticket queue' });

    const forged = await fetch(`${base}/reset`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '',
    });

    expect(forged.status).toBe(415);
    expect(sandbox.fake.ephemerals(people.ben)).toHaveLength(1);
    expect(
      (
        await fetch(`${base}/act`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{not json',
        })
      ).status,
    ).toBe(400);
  });

  it('shows each person their own conversations, ephemerals and modals, and nobody else’s', async () => {
    expect(
      (await act({ as: people.ben, kind: 'command', channel: BILLING_ALERTS, text: '/ticket queue' })).json,
    ).toEqual({ ok: true });
    expect(
      (await act({ as: people.ana, kind: 'command', channel: BILLING_ALERTS, text: '/ticket new Printer on fire' }))
        .json,
    ).toEqual({ ok: true });

    const ben = await seenBy(people.ben);
    const benAlerts = ben.conversations.find((conversation: any) => conversation.id === BILLING_ALERTS);
    expect(benAlerts.messages).toEqual([
      expect.objectContaining({ ephemeral: true, author: 'deskbolt', fromApp: true }),
    ]);
    expect(ben.modals).toEqual([]);

    const ana = await seenBy(people.ana);
    expect(ana.conversations.find((conversation: any) => conversation.id === BILLING_ALERTS).messages).toEqual([]);
    expect(ana.modals.map((modal: any) => modal.view.title.text)).toEqual(['New ticket']);

    const carla = await seenBy(people.carla);
    expect(carla.conversations.map((conversation: any) => conversation.name)).toEqual([
      'billing-help',
      'general',
      'deskbolt',
    ]);
  });

  it('fails to start on a port in use with EADDRINUSE, so `npm start` can say which port to use instead', async () => {
    const taken = sandbox.deskbolt.port;
    const second = startSandboxDesk({
      store,
      workspace: sandbox.deskbolt.desk.directory.workspace,
      port: taken,
      host: '127.0.0.1',
      schedule: false,
      log: () => undefined,
    });
    await expect(second).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('tells open pages when something changes, through server-sent events', async () => {
    const abort = new AbortController();
    const response = await fetch(`${base}/changes`, { signal: abort.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    const nextEvent = async (name: string) => {
      while (!received.includes(`event: ${name}`))
        received += decoder.decode((await reader.read()).value, { stream: true });
      const at = received.indexOf(`event: ${name}`);
      const end = received.indexOf('\n\n', at);
      const event = received.slice(at, end);
      received = received.slice(end + 2);
      return event;
    };
    await nextEvent('change');

    await act({ as: people.ben, kind: 'command', channel: BILLING_ALERTS, text: '/ticket queue' });

    expect(await nextEvent('change')).toMatch(/^event: change\ndata: \{"version":\d+\}$/);
    abort.abort();
  });
});

describe('the sandbox’s email requester', () => {
  async function mail(body: Record<string, unknown>): Promise<{ status: number; json: any }> {
    const response = await fetch(`${base}/mail`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: await response.json() };
  }
  const erin = 'U0ERIN0001';

  it('Erin writes to support@, the ticket reaches the group’s channel, an agent’s reply from Slack lands in her inbox threaded, and her answer threads back', async () => {
    const workspace: any = await (await fetch(`${base}/workspace`)).json();
    expect(workspace.people.find((person: any) => person.id === erin)).toMatchObject({
      name: 'Erin',
      email: 'erin@customer.example',
    });
    const written = await mail({
      as: erin,
      subject: 'Card charged twice',
      text: 'I was charged twice <!channel> for order 88.',
    });
    expect(written.json).toEqual({ ok: true, filing: { outcome: 'ticket', ticketNumber: expect.any(Number) } });
    const number = written.json.filing.ticketNumber as number;
    const ticket = (await store.tickets.get(number))!;
    expect(ticket).toMatchObject({
      groupId: 10,
      subject: 'Card charged twice',
      requester: { kind: 'email', email: 'erin@customer.example', name: 'Erin' },
    });

    const alerts = (await seenBy(people.ana)).conversations.find(
      (conversation: any) => conversation.id === BILLING_ALERTS,
    );
    const card = alerts.messages.find(
      (message: any) => message.fromApp && JSON.stringify(message.blocks ?? []).includes('Card charged twice'),
    );
    expect(card).toBeDefined();
    expect(JSON.stringify(card.blocks)).not.toContain('<!channel>');
    const onCard = (actionId: string) =>
      act({
        as: people.ana,
        kind: 'use',
        surface: { channel: BILLING_ALERTS, ts: card.ts },
        element: { actionId, value: String(number) },
      });
    expect((await onCard(actionIds.take)).json).toEqual({ ok: true });
    // Taken, her card (wherever the app shows it to Ana now) offers Reply.
    const withReply = (await seenBy(people.ana)).conversations
      .flatMap((conversation: any) =>
        conversation.messages.map((message: any) => ({ channel: conversation.id, message })),
      )
      .find(
        ({ message }: any) =>
          JSON.stringify(message.blocks ?? []).includes(`"action_id":"${actionIds.reply}"`) &&
          JSON.stringify(message.blocks).includes('Card charged twice'),
      );
    expect(withReply).toBeDefined();
    expect(
      (
        await act({
          as: people.ana,
          kind: 'use',
          surface: { channel: withReply.channel, ts: withReply.message.ts },
          element: { actionId: actionIds.reply, value: String(number) },
        })
      ).json,
    ).toEqual({ ok: true });
    const form = (await seenBy(people.ana)).modals.at(-1).view;
    const submitted = await act({
      as: people.ana,
      kind: 'submit',
      viewId: form.id,
      values: {
        [replyFields.text]: 'We refunded the second charge.',
        [replyFields.status]: 'pending',
        [replyFields.rootCause]: 'Duplicate charge',
        [replyFields.category]: 'Payments',
        [replyFields.subcategory]: 'Double charge',
      },
    });
    expect(submitted.json).toEqual({ ok: true });

    const box: any = await (await fetch(`${base}/mail/${erin}`)).json();
    expect(box.address).toBe('erin@customer.example');
    expect(box.support).toMatch(/^support@/);
    const [sent, answer] = box.messages;
    expect(box.messages).toHaveLength(2);
    expect(sent).toMatchObject({ box: 'sent', subject: 'Card charged twice', to: box.support });
    expect(answer).toMatchObject({
      box: 'inbox',
      subject: `[#${number}] Card charged twice`,
      from: { address: box.support },
      to: 'erin@customer.example',
      inReplyTo: sent.messageId,
      autoSubmitted: null,
    });
    expect(answer.text.trim()).toBe('We refunded the second charge.');

    const again = await mail({
      as: erin,
      subject: `Re: ${answer.subject}`,
      text: 'Thanks, I see it now.\n\nOn Tuesday support wrote:\n> We refunded the second charge.',
      inReplyTo: answer.messageId,
    });
    expect(again.json.filing).toMatchObject({ outcome: 'comment', ticketNumber: number, reopened: true });
    // The quoted history is cut, as with real mail.
    expect((await store.tickets.comment(again.json.filing.commentId))?.text).toBe('Thanks, I see it now.');
    expect((await fetch(`${base}/mail/${people.carla}`)).status).toBe(404);
    expect((await mail({ as: erin, subject: '', text: '  ' })).status).toBe(400);
  });
});
