import type { ModalView } from '@slack/types';
import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeChange, FakeSlack } from '../src/fake-slack/server.js';

const ana = 'U0ANA00001';
const ben = 'U0BEN00002';
const channel = 'C0BILLING01';

const form = (title: string, overrides: Partial<ModalView> = {}): ModalView => ({
  type: 'modal',
  callback_id: 'form',
  title: { type: 'plain_text', text: title },
  submit: { type: 'plain_text', text: 'Save' },
  blocks: [
    {
      type: 'input',
      block_id: 'subject',
      label: { type: 'plain_text', text: 'Subject' },
      element: { type: 'plain_text_input', action_id: 'subject' },
    },
  ],
  ...overrides,
});

/** What an app posts to a response_url, as Bolt's respond() posts it: JSON. */
async function respond(url: string, body: Record<string, unknown>): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.status;
}

let fake: FakeSlack;
let client: WebClient;

beforeEach(async () => {
  fake = await FakeSlack.start();
  fake.inviteBot(channel);
  client = new WebClient(fake.token, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
});

afterEach(async () => {
  await fake.close();
});

describe('ephemeral messages are kept for the one person who sees them', () => {
  it('keeps chat.postEphemeral for its user, in its channel and thread, and never in the history', async () => {
    const posted = await client.chat.postEphemeral({
      channel,
      user: ana,
      thread_ts: '1700000000.000100',
      text: 'Only you can see this',
    });

    expect(fake.ephemerals(ana)).toEqual([
      expect.objectContaining({
        channel,
        user: ana,
        ts: posted.message_ts,
        threadTs: '1700000000.000100',
        text: 'Only you can see this',
        source: 'chat.postEphemeral',
      }),
    ]);
    expect(fake.ephemerals(ben)).toEqual([]);
    expect(fake.ephemerals(ana, 'C0OTHER0001')).toEqual([]);
    expect(fake.messages(channel)).toEqual([]);
  });

  it('shows a response_url answer to the person who acted, unless it is in_channel', async () => {
    const url = fake.responseUrl({ channel, user: ana });
    expect(await respond(url, { response_type: 'ephemeral', text: 'Your queue is empty' })).toBe(200);
    expect(await respond(url, { response_type: 'in_channel', text: 'Ana took #1001' })).toBe(200);
    expect(await respond(url, { text: 'No response_type: ephemeral too' })).toBe(200);

    expect(fake.ephemerals(ana).map((message) => message.text)).toEqual([
      'Your queue is empty',
      'No response_type: ephemeral too',
    ]);
    expect(fake.ephemerals(ben)).toEqual([]);
    expect(fake.messages(channel).map((message) => message.text)).toEqual(['Ana took #1001']);
  });

  it('replaces and deletes an ephemeral message through the response_url of a click on it', async () => {
    await respond(fake.responseUrl({ channel, user: ana }), {
      text: 'Nobody is online',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Nobody is online' } }],
    });
    const [offer] = fake.ephemerals(ana);

    const click = fake.responseUrl({ channel, user: ana, messageTs: offer!.ts });
    expect(await respond(click, { replace_original: true, text: 'Kept: the chat stays with you.' })).toBe(200);
    expect(fake.ephemerals(ana)).toEqual([
      expect.objectContaining({ ts: offer!.ts, text: 'Kept: the chat stays with you.', blocks: offer!.blocks }),
    ]);

    expect(await respond(click, { delete_original: true })).toBe(200);
    expect(fake.ephemerals(ana)).toEqual([]);
  });

  it("shows a command's acknowledgement body to the person who typed it", () => {
    fake.commandAckMessage(ana, channel, { text: 'Working on it' });
    fake.commandAckMessage(ana, channel, { response_type: 'in_channel', text: 'Everyone sees this' });

    expect(fake.ephemerals(ana)).toEqual([expect.objectContaining({ text: 'Working on it', source: 'ack' })]);
    expect(fake.messages(channel).map((message) => message.text)).toEqual(['Everyone sees this']);
  });
});

describe("each person's client has its own stack of modals", () => {
  it('opens a modal for the person whose action issued the trigger, and pushes onto their stack', async () => {
    const opened = await client.views.open({ trigger_id: fake.triggerId(undefined, ana), view: form('First') });
    const pushed = await client.views.push({ trigger_id: fake.triggerId(opened.view!.id), view: form('Second') });

    expect(fake.modals(ana).map((modal) => modal.view.title.text)).toEqual(['First', 'Second']);
    expect(fake.modals(ana)[1]!.view.id).toBe(pushed.view!.id);
    expect(fake.modals(ben)).toEqual([]);

    await client.views.open({ trigger_id: fake.triggerId(undefined, ben), view: form('Ben’s') });
    expect(fake.modals(ben).map((modal) => modal.view.title.text)).toEqual(['Ben’s']);
    expect(fake.modals(ana)).toHaveLength(2);
  });

  it('applies the answer to a submission as Slack does: errors, update, push, an empty ack and clear', async () => {
    const opened = await client.views.open({ trigger_id: fake.triggerId(undefined, ana), view: form('Reply') });
    const id = opened.view!.id!;

    fake.viewSubmitted(ana, id, { response_action: 'errors', errors: { subject: 'Write a subject.' } });
    expect(fake.modals(ana)).toEqual([expect.objectContaining({ errors: { subject: 'Write a subject.' } })]);

    fake.viewSubmitted(ana, id, { response_action: 'update', view: form('Confirm') });
    expect(fake.modals(ana)).toEqual([
      { view: expect.objectContaining({ id, title: expect.objectContaining({ text: 'Confirm' }) }), errors: {} },
    ]);

    fake.viewSubmitted(ana, id, { response_action: 'push', view: form('Pushed') });
    const [, top] = fake.modals(ana);
    expect(top!.view).toEqual(
      expect.objectContaining({ previous_view_id: id, title: expect.objectContaining({ text: 'Pushed' }) }),
    );

    fake.viewSubmitted(ana, top!.view.id, undefined);
    expect(fake.modals(ana).map((modal) => modal.view.id)).toEqual([id]);

    fake.viewSubmitted(ana, id, { response_action: 'push', view: form('Again') });
    fake.viewSubmitted(ana, fake.modals(ana)[1]!.view.id, { response_action: 'clear' });
    expect(fake.modals(ana)).toEqual([]);
  });

  it('closes the top view on close, or the whole stack when it says clear_on_close, and names what it closed', async () => {
    const root = await client.views.open({ trigger_id: fake.triggerId(undefined, ana), view: form('Root') });
    const second = await client.views.push({
      trigger_id: fake.triggerId(root.view!.id),
      view: form('Second', { notify_on_close: true }),
    });

    expect(fake.closeModal(ana, second.view!.id!).map((view) => view.id)).toEqual([second.view!.id]);
    expect(fake.modals(ana).map((modal) => modal.view.id)).toEqual([root.view!.id]);

    const third = await client.views.push({
      trigger_id: fake.triggerId(root.view!.id),
      view: form('Third', { clear_on_close: true }),
    });
    expect(fake.closeModal(ana, third.view!.id!).map((view) => view.id)).toEqual([third.view!.id, root.view!.id]);
    expect(fake.modals(ana)).toEqual([]);
  });

  it('forgets the field errors once the app updates the view', async () => {
    const opened = await client.views.open({ trigger_id: fake.triggerId(undefined, ana), view: form('Reply') });
    fake.viewSubmitted(ana, opened.view!.id!, { response_action: 'errors', errors: { subject: 'Too short.' } });

    await client.views.update({ view_id: opened.view!.id!, view: form('Reply again') });

    expect(fake.modals(ana)[0]!.errors).toEqual({});
  });
});

describe('listeners and reset', () => {
  it('tells listeners of every change a person could see, and not of reads', async () => {
    const changes: FakeChange[] = [];
    const stop = fake.onChange((change) => changes.push(change));

    await client.chat.postMessage({ channel, text: 'hello' });
    await client.users.info({ user: ana }).catch(() => undefined);
    await respond(fake.responseUrl({ channel, user: ana }), { text: 'only Ana' });
    fake.addMessage({ channel, user: ana, text: 'a person writes' });
    stop();
    await client.chat.postMessage({ channel, text: 'unheard' });

    expect(changes.map((change) => change.what)).toEqual(['chat.postMessage', 'response_url', 'message']);
  });

  it('empties the workspace on reset but keeps its people', async () => {
    fake.addUser({ id: ana, name: 'ana' });
    await client.chat.postMessage({ channel, text: 'hello' });
    await client.chat.postEphemeral({ channel, user: ana, text: 'psst' });
    await client.views.open({ trigger_id: fake.triggerId(undefined, ana), view: form('Open') });
    await client.views.publish({ user_id: ana, view: { type: 'home', blocks: [] } });

    fake.reset();

    expect(fake.messages()).toEqual([]);
    expect(fake.ephemerals(ana)).toEqual([]);
    expect(fake.modals(ana)).toEqual([]);
    expect(fake.homeView(ana)).toBeUndefined();
    expect(fake.calls()).toEqual([]);
    expect(fake.user(ana)?.name).toBe('ana');
  });
});
