import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, verifySlackRequest } from '@slack/bolt';
import type { HomeView, ModalView, SectionBlock } from '@slack/types';
import { type WebAPIPlatformError, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { commandShouldEscape } from '../src/fake-slack/manifest.js';
import { SlackClientSim, viewStateFrom } from '../src/fake-slack/requests.js';
import { FakeSlack, LIMITS, validateBlocks, validateView } from '../src/fake-slack/server.js';

const section = (text: string, blockId?: string): SectionBlock => ({
  type: 'section',
  ...(blockId ? { block_id: blockId } : {}),
  text: { type: 'mrkdwn', text },
});
const ticketForm: ModalView = {
  type: 'modal',
  callback_id: 'new_ticket',
  title: { type: 'plain_text', text: 'New ticket' },
  submit: { type: 'plain_text', text: 'Open' },
  blocks: [
    {
      type: 'input',
      block_id: 'subject',
      label: { type: 'plain_text', text: 'Subject' },
      element: { type: 'plain_text_input', action_id: 'subject' },
    },
  ],
};
// Overrides may break the view on purpose, hence the cast.
const modal = (overrides: Record<string, unknown> = {}): ModalView => ({ ...ticketForm, ...overrides }) as ModalView;

/** The Slack error a WebClient call failed with: its body is in `data`, as @slack/web-api puts it. */
async function refusal(call: Promise<unknown>): Promise<{ error: string; messages: string[] }> {
  try {
    await call;
  } catch (error) {
    const data = (error as WebAPIPlatformError).data;
    return { error: data.error, messages: data.response_metadata?.messages ?? [] };
  }
  throw new Error('expected Slack to refuse the call');
}

let fake: FakeSlack;
let client: WebClient;

beforeEach(async () => {
  fake = await FakeSlack.start();
  // The channels these tests post to, with the bot invited (set up as README says).
  fake.inviteBot('C0SUPPORT', 'C1');
  client = new WebClient(fake.token, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
});

afterEach(async () => {
  await fake.close();
});

describe('the fake Slack Web API answers a real WebClient', () => {
  it('posts a message, records the call and keeps the message', async () => {
    const blocks = [section('*Printer on fire*')];
    const posted = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'Printer on fire', blocks });

    expect(posted.ok).toBe(true);
    expect(posted.channel).toBe('C0SUPPORT');
    expect(posted.ts).toMatch(/^\d+\.\d{6}$/);
    expect(fake.lastCall('chat.postMessage')?.args).toMatchObject({ channel: 'C0SUPPORT', blocks });
    expect(fake.messages('C0SUPPORT')).toEqual([
      { channel: 'C0SUPPORT', ts: posted.ts, user: 'UBOT', text: 'Printer on fire', blocks },
    ]);
  });

  it("posts to a person's DM when the channel is their user id", async () => {
    const posted = await client.chat.postMessage({ channel: 'UAGENT', text: 'You took #12' });

    expect(posted.channel).toBe(fake.dmChannelOf('UAGENT'));
    expect(posted.channel).toMatch(/^D/);
    expect(fake.messages(fake.dmChannelOf('UAGENT'))).toHaveLength(1);
  });

  it('reads JSON bodies as well as the forms @slack/web-api sends', async () => {
    const answer = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${fake.token}` },
      body: JSON.stringify({ channel: 'C0SUPPORT', text: 'hi', blocks: [section('hi')] }),
    });

    expect(await answer.json()).toMatchObject({ ok: true, channel: 'C0SUPPORT' });
    expect(fake.lastCall('chat.postMessage')?.args.blocks).toEqual([section('hi')]);
  });

  it('refuses a message without text or blocks', async () => {
    expect((await refusal(client.chat.postMessage({ channel: 'C1', text: '' }))).error).toBe('no_text');
  });

  it('updates a message in place and refuses an unknown one', async () => {
    const posted = await client.chat.postMessage({
      channel: 'C0SUPPORT',
      text: 'Ticket #1 is open',
      blocks: [section('open')],
    });
    const ts = posted.ts as string;

    await client.chat.update({ channel: 'C0SUPPORT', ts, text: 'Ticket #1 is closed' });

    const [message] = fake.messages('C0SUPPORT');
    expect(message?.text).toBe('Ticket #1 is closed');
    // Slack keeps the blocks an update leaves out.
    expect(message?.blocks).toEqual([section('open')]);
    expect((await refusal(client.chat.update({ channel: 'C0SUPPORT', ts: '1.000001', text: 'x' }))).error).toBe(
      'message_not_found',
    );
    // chat.update wants the DM's channel id, never the person's user id.
    expect((await refusal(client.chat.update({ channel: 'UAGENT', ts, text: 'x' }))).error).toBe('channel_not_found');
  });

  it('deletes a message, after which it cannot be updated', async () => {
    const { ts } = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'oops' });

    await client.chat.delete({ channel: 'C0SUPPORT', ts: ts as string });

    expect(fake.messages('C0SUPPORT')[0]?.deleted).toBe(true);
    expect((await refusal(client.chat.update({ channel: 'C0SUPPORT', ts: ts as string, text: 'x' }))).error).toBe(
      'message_not_found',
    );
  });

  it('opens a modal with a fresh trigger_id and updates it by view id and by external_id', async () => {
    const opened = await client.views.open({ trigger_id: fake.triggerId(), view: modal({ external_id: 'ticket-7' }) });

    expect(opened.view?.id).toMatch(/^V/);
    expect(opened.view?.state).toEqual({ values: {} });
    expect(opened.view?.callback_id).toBe('new_ticket');

    const id = opened.view?.id as string;
    await client.views.update({ view_id: id, view: modal({ title: { type: 'plain_text', text: 'Ticket #7' } }) });
    expect(fake.view(id)?.title.text).toBe('Ticket #7');

    await client.views.update({
      external_id: 'ticket-7',
      view: modal({ title: { type: 'plain_text', text: 'Again' } }),
    });
    expect(fake.view(id)?.title.text).toBe('Again');

    expect((await refusal(client.views.update({ view_id: 'VNOPE', view: modal() }))).error).toBe('not_found');
    expect((await refusal(client.views.update({ view_id: id, hash: 'stale', view: modal() }))).error).toBe(
      'hash_conflict',
    );
  });

  it('stacks pushed modals on the one clicked in, up to three', async () => {
    const first = await client.views.open({ trigger_id: fake.triggerId(), view: modal() });
    const second = await client.views.push({ trigger_id: fake.triggerId(first.view?.id), view: modal() });
    const third = await client.views.push({ trigger_id: fake.triggerId(second.view?.id), view: modal() });

    expect(third.view).toMatchObject({ root_view_id: first.view?.id, previous_view_id: second.view?.id });
    const fourth = refusal(client.views.push({ trigger_id: fake.triggerId(third.view?.id), view: modal() }));
    expect((await fourth).error).toBe('push_limit_reached');
  });

  it('publishes a home tab per person, keeping its id', async () => {
    const home: HomeView = { type: 'home', blocks: [section('Your queue is empty')] };
    const first = await client.views.publish({ user_id: 'UAGENT', view: home });
    const second = await client.views.publish({ user_id: 'UAGENT', view: home });

    expect(second.view?.id).toBe(first.view?.id);
    expect(fake.homeView('UAGENT')?.blocks).toEqual(home.blocks);
    const asModal = await refusal(client.views.publish({ user_id: 'UAGENT', view: modal() }));
    expect(asModal.error).toBe('invalid_arguments');
  });

  it('describes people like Slack does', async () => {
    fake.addUser({
      id: 'UANA',
      name: 'ana',
      realName: 'Ana Lima',
      title: 'Agent',
      tz: 'Europe/Lisbon',
      email: 'ana@example.com',
    });

    const { user } = await client.users.info({ user: 'UANA' });
    expect(user).toMatchObject({
      id: 'UANA',
      name: 'ana',
      real_name: 'Ana Lima',
      tz: 'Europe/Lisbon',
      profile: { title: 'Agent', email: 'ana@example.com', real_name: 'Ana Lima', display_name: 'ana' },
    });
    expect((await client.users.lookupByEmail({ email: 'ANA@example.com' })).user?.id).toBe('UANA');
    expect((await refusal(client.users.info({ user: 'UNOBODY' }))).error).toBe('user_not_found');
    expect((await refusal(client.users.lookupByEmail({ email: 'no@example.com' }))).error).toBe('users_not_found');
  });

  it('answers auth.test as the bot, and files.info and conversations.open from what the test arranged', async () => {
    expect(await client.auth.test()).toMatchObject({ ok: true, user_id: 'UBOT', team_id: 'T0TEST' });

    fake.addFile({ id: 'F1', name: 'log.txt', mimetype: 'text/plain', filetype: 'text', size: 12 });
    expect((await client.files.info({ file: 'F1' })).file).toMatchObject({ id: 'F1', name: 'log.txt', size: 12 });
    expect((await client.conversations.open({ users: 'UANA' })).channel?.id).toBe(fake.dmChannelOf('UANA'));
  });

  it('fails the next call of a method on request, for retry tests', async () => {
    fake.failNext('chat.postMessage', 'ratelimited');

    expect((await refusal(client.chat.postMessage({ channel: 'C1', text: 'a' }))).error).toBe('ratelimited');
    await client.chat.postMessage({ channel: 'C1', text: 'b' });
    expect(fake.calls('chat.postMessage').map((call) => call.ok)).toEqual([false, true]);
    expect(fake.okCalls('chat.postMessage')).toHaveLength(1);
  });

  it('answers a rate-limited call as Slack does: HTTP 429 with Retry-After, then serves the next one', async () => {
    fake.rateLimitNext('chat.postMessage', 5);
    const strict = new WebClient(fake.token, {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });

    const limited = await strict.chat.postMessage({ channel: 'C1', text: 'a' }).catch((error: unknown) => error);
    expect(limited).toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 5 });
    const raw = await fetch(`${fake.apiUrl}users.info`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${fake.token}` },
    });
    expect(raw.status).toBe(200);
    fake.rateLimitNext('users.info', 30);
    const again = await fetch(`${fake.apiUrl}users.info`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${fake.token}` },
    });
    expect(again.status).toBe(429);
    expect(again.headers.get('retry-after')).toBe('30');
    expect(await again.json()).toEqual({ ok: false, error: 'ratelimited' });

    await strict.chat.postMessage({ channel: 'C1', text: 'b' });
    expect(fake.calls('chat.postMessage').map((call) => [call.status, call.error ?? 'ok'])).toEqual([
      [429, 'ratelimited'],
      [200, 'ok'],
    ]);
    expect(fake.messages('C1').map((message) => message.text)).toEqual(['b']);
  });

  it('counts how often the app asks who it is (auth.test)', async () => {
    expect(fake.authTests()).toBe(0);
    await client.auth.test();
    await client.auth.test();
    expect(fake.authTests()).toBe(2);
  });

  it('keeps every limit it enforces in one table, each with the Slack page that states it', () => {
    for (const [name, rule] of Object.entries(LIMITS)) {
      expect(rule.value, name).toBeGreaterThan(0);
      expect(rule.source, name).toMatch(/^https:\/\/docs\.slack\.dev\//);
    }
  });
});

describe('the fake Slack refuses what Slack refuses', () => {
  it('refuses a 25-character modal title', async () => {
    const view = modal({ title: { type: 'plain_text', text: 'x'.repeat(25) } });

    const { error, messages } = await refusal(client.views.open({ trigger_id: fake.triggerId(), view }));

    expect(error).toBe('invalid_arguments');
    expect(messages).toEqual(['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]']);
  });

  it('refuses 101 blocks in a modal', async () => {
    const blocks = Array.from({ length: 101 }, (_, i) => section(`line ${i}`));

    const { error, messages } = await refusal(
      client.views.open({ trigger_id: fake.triggerId(), view: modal({ blocks }) }),
    );

    expect(error).toBe('invalid_arguments');
    expect(messages).toContain('[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]');
  });

  it('refuses private_metadata of 3001 characters', async () => {
    const view = modal({ private_metadata: 'x'.repeat(3001) });

    const { error, messages } = await refusal(client.views.open({ trigger_id: fake.triggerId(), view }));

    expect(error).toBe('invalid_arguments');
    expect(messages).toEqual(['[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]']);
  });

  it('refuses section text of 3001 characters, and does not keep the message', async () => {
    const blocks = [section('fine'), section('x'.repeat(3001))];

    const { error, messages } = await refusal(client.chat.postMessage({ channel: 'C1', text: 'long', blocks }));

    expect(error).toBe('invalid_blocks');
    expect(messages).toEqual(['[ERROR] must be less than 3001 characters [json-pointer:/blocks/1/text/text]']);
    expect(fake.messages()).toEqual([]);
    expect(fake.lastCall('chat.postMessage')).toMatchObject({ ok: false, error: 'invalid_blocks' });
  });

  it('refuses an unknown block type', async () => {
    const blocks = [{ type: 'carousel', items: [] }];

    const { error, messages } = await refusal(client.chat.postMessage({ channel: 'C1', text: 'x', blocks }));

    expect(error).toBe('invalid_blocks');
    expect(messages).toEqual(['[ERROR] unknown block type "carousel" [json-pointer:/blocks/0/type]']);
  });

  it('refuses input blocks in a message', async () => {
    const blocks = modal().blocks;

    const { error, messages } = await refusal(client.chat.postMessage({ channel: 'C1', text: 'x', blocks }));

    expect(error).toBe('invalid_blocks');
    expect(messages).toEqual(['[ERROR] input blocks are not allowed in messages [json-pointer:/blocks/0/type]']);
  });

  it('truncates text over 40000 characters instead of refusing it, as Slack does', async () => {
    const posted = await client.chat.postMessage({ channel: 'C1', text: `${'x'.repeat(40_000)}cut` });
    expect(posted.message?.text).toHaveLength(40_000);
    expect(fake.messages('C1')[0]?.text).toBe('x'.repeat(40_000));
  });

  it('refuses markdown blocks over 12000 characters together with msg_blocks_too_long', async () => {
    const markdown = (text: string) => ({ type: 'markdown', text });
    expect(
      (
        await refusal(
          client.chat.postMessage({
            channel: 'C1',
            text: 'long',
            blocks: [markdown('a'.repeat(6000)), markdown('b'.repeat(6001))] as never,
          }),
        )
      ).error,
    ).toBe('msg_blocks_too_long');
    await client.chat.postMessage({
      channel: 'C1',
      text: 'fits',
      blocks: [markdown('a'.repeat(6000)), markdown('b'.repeat(6000))] as never,
    });
  });

  it('refuses a wrong token and a missing one', async () => {
    const impostor = new WebClient('xoxb-wrong', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
    const anonymous = new WebClient(undefined, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });

    expect((await refusal(impostor.chat.postMessage({ channel: 'C1', text: 'x' }))).error).toBe('invalid_auth');
    expect((await refusal(anonymous.chat.postMessage({ channel: 'C1', text: 'x' }))).error).toBe('not_authed');
    expect(fake.messages()).toEqual([]);
  });

  it('refuses an unknown method and records it', async () => {
    expect((await refusal(client.apiCall('tickets.teleport', { ticket: 7 }))).error).toBe('unknown_method');
    expect(fake.lastCall('tickets.teleport')).toMatchObject({
      ok: false,
      error: 'unknown_method',
      args: { ticket: '7' },
    });
  });

  it('refuses unknown, expired and reused trigger_ids', async () => {
    const expired = fake.triggerId();
    fake.expireTrigger(expired);
    const once = fake.triggerId();
    await client.views.open({ trigger_id: once, view: modal() });

    expect((await refusal(client.views.open({ trigger_id: 'made.up.id', view: modal() }))).error).toBe(
      'invalid_trigger_id',
    );
    expect((await refusal(client.views.open({ trigger_id: expired, view: modal() }))).error).toBe('expired_trigger_id');
    expect((await refusal(client.views.open({ trigger_id: once, view: modal() }))).error).toBe('exchanged_trigger_id');
    expect((await refusal(client.views.push({ trigger_id: once, view: modal() }))).error).toBe('exchanged_trigger_id');
  });
});

describe('the Block Kit validator', () => {
  const plain = (text: string) => ({ type: 'plain_text', text });
  const option = (value: string, text = value) => ({ text: plain(text), value });
  const button = (actionId: string, label = 'Go') => ({ type: 'button', action_id: actionId, text: plain(label) });
  const withAccessory = (accessory: object) => ({ type: 'section', text: { type: 'mrkdwn', text: 'x' }, accessory });
  const actions = (...elements: object[]) => ({ type: 'actions', elements });
  const input = (blockId: string, element: object, extra: object = {}) => ({
    type: 'input',
    block_id: blockId,
    label: plain(blockId),
    element: { action_id: blockId, ...element },
    ...extra,
  });

  it('accepts a typical ticket card and a typical form', () => {
    const card = [
      { type: 'header', text: plain('Ticket #12') },
      {
        type: 'section',
        fields: [{ type: 'mrkdwn', text: '*Status*\nopen' }],
        accessory: { type: 'overflow', action_id: 'more', options: [option('merge'), option('escalate')] },
      },
      actions({ ...button('take', 'Take'), style: 'primary', value: '12' }),
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'opened by <@UANA>' }] },
      { type: 'divider' },
    ];
    const form = modal({
      blocks: [
        input('subject', { type: 'plain_text_input', max_length: 200 }),
        input('group', { type: 'static_select', options: [option('it'), option('hr')] }),
        input('cc', { type: 'multi_users_select' }, { optional: true }),
      ],
    });

    expect(validateBlocks(card, 'message')).toEqual([]);
    expect(validateView(form)).toEqual([]);
  });

  const overflowOfOne = { type: 'overflow', action_id: 'o', options: [option('a')] };
  const selectOf101 = {
    type: 'static_select',
    action_id: 's',
    options: Array.from({ length: 101 }, (_, i) => option(`${i}`)),
  };
  it.each([
    ['a 76-character button label', [actions(button('a', 'x'.repeat(76)))], '/blocks/0/elements/0/text/text'],
    ['an overflow menu with one option', [withAccessory(overflowOfOne)], '/blocks/0/accessory/options'],
    ['a header in mrkdwn', [{ type: 'header', text: { type: 'mrkdwn', text: 'x' } }], '/blocks/0/text/type'],
    ['empty text', [{ type: 'section', text: { type: 'mrkdwn', text: '' } }], '/blocks/0/text/text'],
    ['a duplicate block_id', [section('a', 'same'), section('b', 'same')], '/blocks/1/block_id'],
    ['a duplicate action_id in one block', [actions(button('take'), button('take'))], '/blocks/0/elements/1/action_id'],
    [
      'a text input in an actions block',
      [actions({ type: 'plain_text_input', action_id: 't' })],
      '/blocks/0/elements/0/type',
    ],
    ['an unknown element', [actions({ type: 'slider', action_id: 's' })], '/blocks/0/elements/0/type'],
    ['a select with 101 options', [withAccessory(selectOf101)], '/blocks/0/accessory/options'],
    [
      'two options with one value',
      [
        withAccessory({
          type: 'static_select',
          action_id: 's',
          options: [option('1', 'Billing'), option('1', 'PayOps')],
        }),
      ],
      '/blocks/0/accessory/options/1/value',
    ],
    [
      'two options with one value in different groups',
      [
        withAccessory({
          type: 'static_select',
          action_id: 's',
          option_groups: [
            { label: plain('A'), options: [option('x', 'One')] },
            { label: plain('B'), options: [option('x', 'Two')] },
          ],
        }),
      ],
      '/blocks/0/accessory/option_groups/1/options/0/value',
    ],
    [
      'two radio buttons with one value',
      [withAccessory({ type: 'radio_buttons', action_id: 'r', options: [option('a', 'A'), option('a', 'B')] })],
      '/blocks/0/accessory/options/1/value',
    ],
    ['51 blocks', Array.from({ length: 51 }, () => ({ type: 'divider' })), '/blocks'],
  ])('refuses %s in a message', (_name, blocks, pointer) => {
    const problems = validateBlocks(blocks, 'message');
    expect(problems.some((problem) => problem.endsWith(`[json-pointer:${pointer}]`))).toBe(true);
  });

  it('wants a submit button on a modal that asks for input', () => {
    const { submit: _submit, ...withoutSubmit } = modal();
    expect(validateView(withoutSubmit)).toEqual([
      '[ERROR] missing required field: submit (the modal has input blocks) [json-pointer:/view]',
    ]);
  });
});

describe('response_url', () => {
  const post = (url: string, body: unknown) =>
    fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it('records what the app posts, replaces the original message, and stops after five uses', async () => {
    const { ts } = await client.chat.postMessage({
      channel: 'C0SUPPORT',
      text: 'Ticket #3',
      blocks: [section('open')],
    });
    const url = fake.responseUrl({ channel: 'C0SUPPORT', messageTs: ts as string });

    const replaced = await post(url, { replace_original: true, text: 'Ticket #3 taken', blocks: [section('taken')] });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toEqual({ ok: true });
    expect(fake.messages('C0SUPPORT')[0]).toMatchObject({ text: 'Ticket #3 taken', blocks: [section('taken')] });

    for (let i = 0; i < 4; i++) await post(url, { text: `ephemeral ${i}` });
    const sixth = await post(url, { text: 'one too many' });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: 'expired_url' });

    expect(fake.responses().map((r) => [r.ok, r.body.text])).toEqual([
      [true, 'Ticket #3 taken'],
      [true, 'ephemeral 0'],
      [true, 'ephemeral 1'],
      [true, 'ephemeral 2'],
      [true, 'ephemeral 3'],
      [false, 'one too many'],
    ]);
  });

  it('refuses invalid blocks with a 400, which makes Bolt respond() throw', async () => {
    const answer = await post(fake.responseUrl(), { text: 'x', blocks: [{ type: 'carousel' }] });

    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(fake.responses()[0]).toMatchObject({ ok: false, error: 'invalid_blocks' });
  });
});

describe('SlackClientSim', () => {
  const signingSecret = 'test-signing-secret';

  it('signs like Slack: the documented example vector', () => {
    const sim = new SlackClientSim({ url: 'http://unused', signingSecret: '8f742231b10e8888abcd99yyyzzz85a5', fake });
    const body = [
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V',
      '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=',
      '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN',
      '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
    ].join('');

    expect(sim.sign(body, 1531420618)).toEqual({
      'X-Slack-Signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      'X-Slack-Request-Timestamp': '1531420618',
    });
  });

  it("signs so that Bolt's own verification accepts it", () => {
    const sim = new SlackClientSim({ url: 'http://unused', signingSecret, fake });
    const body = 'payload=%7B%7D';
    const now = 1_700_000_000;
    const headers = sim.sign(body, now);
    const expected = createHmac('sha256', signingSecret).update(`v0:${now}:${body}`).digest('hex');

    expect(headers['X-Slack-Signature']).toBe(`v0=${expected}`);
    const verify = (secret: string) =>
      verifySlackRequest({
        signingSecret: secret,
        body,
        headers: { 'x-slack-signature': headers['X-Slack-Signature'] ?? '', 'x-slack-request-timestamp': now },
        nowMilliseconds: now * 1000,
      });
    expect(() => verify(signingSecret)).not.toThrow();
    expect(() => verify('another-secret')).toThrow(/signature mismatch/);
  });

  it('builds modal state from the view the app opened', () => {
    const itTeam = { text: { type: 'plain_text', text: 'IT' }, value: 'it' };
    const hrTeam = { text: { type: 'plain_text', text: 'HR' }, value: 'hr' };
    const urgent = { text: { type: 'mrkdwn', text: 'Urgent' }, value: 'yes' };
    const input = (blockId: string, element: object) => ({
      type: 'input',
      block_id: blockId,
      optional: true,
      label: { type: 'plain_text', text: blockId },
      element: { action_id: blockId, ...element },
    });
    const view = {
      blocks: [
        input('subject', { type: 'plain_text_input' }),
        input('group', { type: 'static_select', options: [itTeam, hrTeam] }),
        input('cc', { type: 'users_select' }),
        input('urgent', { type: 'checkboxes', options: [urgent] }),
      ],
    };

    expect(viewStateFrom(view, { subject: 'VPN down', group: 'hr', urgent: ['yes'] })).toEqual({
      values: {
        subject: { subject: { type: 'plain_text_input', value: 'VPN down' } },
        group: { group: { type: 'static_select', selected_option: hrTeam } },
        cc: { cc: { type: 'users_select', selected_user: null } },
        urgent: { urgent: { type: 'checkboxes', selected_options: [urgent] } },
      },
    });
    expect(() => viewStateFrom(view, { group: 'finance' })).toThrow(/not an option/);
    expect(() => viewStateFrom(view, { priority: 'high' })).toThrow(/no input with action_id priority/);
  });

  describe('against a real Bolt app', () => {
    let app: App;
    let sim: SlackClientSim;
    let url: string;
    let heard: unknown[];

    beforeEach(async () => {
      heard = [];
      app = new App({
        token: fake.token,
        signingSecret,
        logLevel: LogLevel.ERROR,
        // The HTTP answer waits for the listener, so a test can assert right after the request.
        processBeforeResponse: true,
        clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
      });
      app.command('/ticket', async ({ ack, body, client: web }) => {
        await ack();
        await web.views.open({ trigger_id: body.trigger_id, view: modal() });
      });
      app.view('new_ticket', async ({ ack, view, body, client: web }) => {
        const subject = view.state.values.subject?.subject?.value ?? '';
        if (subject === 'misnamed') {
          await ack({ response_action: 'errors', errors: { title: 'There is no such field' } });
          return;
        }
        if (subject.length < 3) {
          await ack({ response_action: 'errors', errors: { subject: 'Say a little more' } });
          return;
        }
        await ack();
        await web.chat.postMessage({
          channel: body.user.id,
          text: `Ticket opened: ${subject}`,
          blocks: [
            section(`Ticket opened: ${subject}`),
            {
              type: 'actions',
              elements: [{ type: 'button', action_id: 'close', text: { type: 'plain_text', text: 'Close' } }],
            },
          ],
        });
      });
      app.action('close', async ({ ack, respond }) => {
        await ack();
        await respond({ replace_original: true, text: 'Ticket closed' });
      });
      app.message(async ({ message, say }) => {
        heard.push(message);
        if (message.subtype === undefined) await say(`You said: ${message.text}`);
      });
      const server = (await app.start(0)) as Server;
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
      sim = new SlackClientSim({ url, signingSecret, fake });
    });

    afterEach(async () => {
      await app.stop();
    });

    it('plays a command, a modal submission and a button press end to end', async () => {
      fake.addUser({ id: 'UANA', name: 'ana' });

      expect((await sim.command('UANA', '/ticket', '')).status).toBe(200);
      const opened = fake.lastCall('views.open');
      expect(opened?.ok).toBe(true);

      const tooShort = await sim.viewSubmission('UANA', {
        callback_id: 'new_ticket',
        state: viewStateFrom(opened?.args.view, { subject: 'hi' }),
      });
      expect(tooShort.json).toEqual({ response_action: 'errors', errors: { subject: 'Say a little more' } });
      expect(tooShort.problems).toBeUndefined();

      const misnamed = await sim.viewSubmission('UANA', {
        callback_id: 'new_ticket',
        state: viewStateFrom(opened?.args.view, { subject: 'misnamed' }),
      });
      expect(misnamed.problems).toEqual(['[ERROR] no input block with block_id "title" [json-pointer:/errors/title]']);

      const filledIn = viewStateFrom(opened?.args.view, { subject: 'VPN down' });
      await sim.viewSubmission('UANA', { callback_id: 'new_ticket', state: filledIn });
      const [card] = fake.messages(fake.dmChannelOf('UANA'));
      expect(card?.text).toBe('Ticket opened: VPN down');

      await sim.blockAction('UANA', { action_id: 'close' }, { message: { ts: card?.ts ?? '' } });
      expect(fake.messages(fake.dmChannelOf('UANA'))[0]?.text).toBe('Ticket closed');
      expect(fake.responses()).toEqual([
        expect.objectContaining({ ok: true, body: { replace_original: true, text: 'Ticket closed' } }),
      ]);
    });

    it('delivers a message event that the app answers in the DM', async () => {
      const sent = await sim.message('UANA', 'hello');

      expect(sent.status).toBe(200);
      expect(heard).toEqual([
        expect.objectContaining({
          type: 'message',
          channel: fake.dmChannelOf('UANA'),
          channel_type: 'im',
          user: 'UANA',
          text: 'hello',
          ts: sent.ts,
          client_msg_id: expect.any(String),
        }),
      ]);
      expect(fake.messages(sent.channel).map((m) => [m.user, m.text])).toEqual([
        ['UANA', 'hello'],
        ['UBOT', 'You said: hello'],
      ]);
    });

    it('is refused by Bolt when the signature is forged or the timestamp is stale', async () => {
      const body = new URLSearchParams({
        command: '/ticket',
        user_id: 'UANA',
        trigger_id: fake.triggerId(),
      }).toString();
      const now = Math.floor(Date.now() / 1000);
      const form = { 'Content-Type': 'application/x-www-form-urlencoded' };

      const impostor = new SlackClientSim({ url, signingSecret: 'not-the-secret', fake });
      const forged = await sim.raw(body, { ...form, ...impostor.sign(body, now) });
      const stale = await sim.raw(body, { ...form, ...sim.sign(body, now - 6 * 60) });

      expect(forged.status).toBe(401);
      expect(stale.status).toBe(401);
      expect(fake.calls('views.open')).toEqual([]);
    });

    it('refuses to press a button that is not on the message', async () => {
      const { ts } = await client.chat.postMessage({
        channel: 'C1',
        text: 'no buttons here',
        blocks: [section('plain')],
      });

      await expect(sim.blockAction('UANA', { action_id: 'close' }, { message: { ts: ts as string } })).rejects.toThrow(
        /no element with action_id "close"/,
      );
    });
  });
});

describe('what people type, as Slack sends it to the app', () => {
  let server: Server;
  let received: Record<string, any>[];
  let sim: SlackClientSim;

  beforeEach(async () => {
    received = [];
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const form = new URLSearchParams(body);
        received.push(
          form.has('payload')
            ? JSON.parse(form.get('payload')!)
            : form.has('command')
              ? Object.fromEntries(form)
              : JSON.parse(body),
        );
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    sim = new SlackClientSim({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      signingSecret: 'secret',
      fake,
    });
    fake.addUser({ id: 'UANA', name: 'ana' });
    fake.addUserGroup({ id: 'S0BILLING', handle: 'billing-team' });
    fake.addChannel({ id: 'CGENERAL', name: 'general' });
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const typed =
    'Hi @ana, AT&T <b> is down. @here @billing-team see https://status.example.com/?a=1&b=2 and [the runbook](https://wiki.example.com/vpn) in #general; @nobody knows';
  const asSlackSends =
    'Hi <@UANA>, AT&amp;T &lt;b&gt; is down. <!here> <!subteam^S0BILLING> see <https://status.example.com/?a=1&amp;b=2> and <https://wiki.example.com/vpn|the runbook> in <#CGENERAL|general>; @nobody knows';

  it('delivers a message the way Slack encodes it: entities, mentions, broadcasts, channels and links', async () => {
    await sim.message('UCUST', typed);

    const event = received[0]!.event;
    expect(event.text).toBe(asSlackSends);
    expect(event.blocks[0].elements[0].elements).toEqual(
      expect.arrayContaining([
        { type: 'text', text: ', AT&T <b> is down. ' },
        { type: 'user', user_id: 'UANA' },
        { type: 'broadcast', range: 'here' },
      ]),
    );
    // What the conversation holds is what Slack holds: the encoded text.
    expect(fake.messages(event.channel).at(-1)?.text).toBe(asSlackSends);
  });

  it('encodes edits, /me messages, file names and message shortcuts the same way', async () => {
    const sent = await sim.message('UCUST', 'first');
    await sim.editMessage('UCUST', sent, 'AT&T @ana');
    await sim.meMessage('UCUST', 'waves at @ana & co');
    await sim.shareFile('UCUST', {
      id: 'F1',
      name: 'a|b><!channel>.pdf',
      mimetype: 'application/pdf',
      filetype: 'pdf',
      size: 10,
    });
    await sim.messageShortcut('UAGENT', 'create_ticket', {
      ts: '1700000000.000100',
      channel: 'C1',
      user: 'UCUST',
      text: '@ana AT&T',
      attachments: [{ title: 'Status <page>', title_link: 'https://status.example.com', text: 'All & nothing' }],
      files: [{ id: 'F2', name: 'R&D.txt', mimetype: 'text/plain', filetype: 'text', size: 3 }],
    });

    const [, edit, me, shared, share, shortcut] = received;
    expect(edit!.event).toMatchObject({
      subtype: 'message_changed',
      message: { text: 'AT&amp;T <@UANA>', ts: sent.ts },
      previous_message: { text: 'first' },
    });
    expect(me!.event).toMatchObject({ subtype: 'me_message', user: 'UCUST', text: 'waves at <@UANA> &amp; co' });
    expect(shared!.event).toMatchObject({ type: 'file_shared', file_id: 'F1' });
    expect(share!.event).toMatchObject({
      subtype: 'file_share',
      files: [{ id: 'F1', name: 'a|b&gt;&lt;!channel&gt;.pdf' }],
    });
    expect(shortcut!.message).toMatchObject({
      text: '<@UANA> AT&amp;T',
      attachments: [
        { title: 'Status &lt;page&gt;', title_link: 'https://status.example.com', text: 'All &amp; nothing' },
      ],
      files: [{ id: 'F2', name: 'R&amp;D.txt' }],
    });
  });

  it('delivers slash-command text escaped or as typed, as the manifest says', async () => {
    await sim.command('UAGENT', '/ticket', 'transfer 12 @ana & #general https://x.example.com', { shouldEscape: true });
    await sim.command('UAGENT', '/ticket', 'transfer 12 @ana & #general https://x.example.com', {
      shouldEscape: false,
    });
    await sim.command('UAGENT', '/ticket', 'new Printer & scanner');

    expect(received.map((command) => command.text)).toEqual([
      'transfer 12 <@UANA|ana> &amp; <#CGENERAL|general> <https://x.example.com>',
      'transfer 12 @ana &amp; #general https://x.example.com',
      'new Printer &amp; scanner',
    ]);
    const manifest = parse(await readFile(new URL('../manifest.yml', import.meta.url), 'utf8'));
    expect(commandShouldEscape('/ticket')).toBe(manifest.features.slash_commands[0].should_escape === true);
  });
});

describe('the check for pings the app did not mean', () => {
  it('finds live broadcasts and unexpected mentions wherever Slack renders mrkdwn, and nothing in plain text', async () => {
    await client.chat.postMessage({
      channel: 'C1',
      text: 'Requester: <!here> hi',
      blocks: [section('<!subteam^S1|@ops> and <@UANA>')],
    });
    await client.chat.postMessage({
      channel: 'C1',
      text: 'fine',
      blocks: [{ type: 'header', text: { type: 'plain_text', text: '<!channel>' } }],
    });
    await client.chat.postMessage({
      channel: 'C1',
      text: 'x',
      attachments: [{ pretext: '<!everyone>', fields: [{ title: 't', value: '<@UBEN>' }] }],
    });
    await client.views.publish({
      user_id: 'UANA',
      view: { type: 'home', blocks: [section('Hi <@UANA>, <!channel|channel>')] },
    });

    expect(fake.unintendedPings({ allowUsers: ['UANA'] })).toEqual([
      { method: 'chat.postMessage', at: '/text', mention: '<!here>' },
      { method: 'chat.postMessage', at: '/blocks/0/text/text', mention: '<!subteam^S1|@ops>' },
      { method: 'chat.postMessage', at: '/attachments/0/pretext', mention: '<!everyone>' },
      { method: 'chat.postMessage', at: '/attachments/0/fields/0/value', mention: '<@UBEN>' },
      { method: 'views.publish', at: '/view/blocks/0/text/text', mention: '<!channel|channel>' },
    ]);
    expect(fake.unintendedPings().map((ping) => ping.mention)).toContain('<@UANA>');
  });
});
