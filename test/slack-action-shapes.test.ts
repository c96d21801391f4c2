import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionIds, callbackIds, replyFields } from '../blocks/ids.js';
import type { SimResponse } from '../src/fake-slack/requests.js';
import { blockActions, viewSubmissionWithoutState } from './fixtures/slack-payloads.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { seedTickets } from './support/seed.js';
import { people } from './support/workspace.js';

type Payload = Record<string, any>;

/** Clear of the desk's own counter (seed.ts): the ticket every payload below names. */
const TICKET = 50_301;

const chosen = { text: { type: 'plain_text', text: 'x' }, value: String(TICKET) };

/** An action of the reply form, sent from the modal as Slack sends it (a view container, no response_url). */
function fromReplyForm(action: Payload): Payload {
  const payload = blockActions();
  payload.user.id = people.ana;
  payload.container = { type: 'view', view_id: 'V111' };
  payload.view = {
    id: 'V111',
    type: 'modal',
    callback_id: callbackIds.reply,
    private_metadata: JSON.stringify({ number: TICKET, version: 1 }),
    blocks: [],
    state: { values: {} },
  };
  delete payload.channel;
  delete payload.response_url;
  payload.actions = [{ block_id: 'b', action_ts: '1596530385.194939', ...action }];
  return payload;
}

/** An action on a message (the working card, a DM), answered through response_url. */
function onMessage(action: Payload, responseUrl: string): Payload {
  const payload = blockActions();
  payload.user.id = people.ana;
  payload.response_url = responseUrl;
  payload.actions = [{ block_id: 'b', action_ts: '1596530385.194939', ...action }];
  return payload;
}

const button = (actionId: string, value?: string) => ({
  type: 'button',
  action_id: actionId,
  text: { type: 'plain_text', text: 'Go' },
  ...(value === undefined ? {} : { value }),
});

/**
 * Each action id deskbolt listens for, in an element shape it never renders it as: a button where a
 * select is, a select that names no option, a button without its value. The app answers, no listener
 * fails on a field it read, and nothing in the database changes.
 */
describe('actions of the wrong element shape', () => {
  let desk: TestDesk;
  const logs: string[] = [];
  beforeAll(async () => {
    desk = await startTestDesk({ logs });
    await seedTickets(desk.store, [
      { number: TICKET, subject: 'VPN drops every hour', createdAt: new Date(desk.clock.now()) },
    ]);
  });
  afterAll(async () => {
    await desk.close();
  });
  beforeEach(() => {
    desk.fake.clearCalls();
    logs.length = 0;
  });

  function send(payload: Payload): Promise<SimResponse> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return desk.slack.raw(body, {
      'Content-Type': 'application/x-www-form-urlencoded',
      ...desk.slack.sign(body, Date.now() / 1000),
    });
  }

  /** Every collection but the remembered request ids (a replay guard that records each request, refused or not). */
  async function everything(): Promise<Record<string, unknown[]>> {
    const { collections } = desk.store.models.Ticket.db;
    const names = Object.keys(collections)
      .filter((name) => name !== desk.store.models.SeenId.collection.collectionName)
      .sort();
    return Object.fromEntries(
      await Promise.all(names.map(async (name) => [name, await collections[name]!.find({}).toArray()] as const)),
    );
  }

  const listenerFailures = () =>
    logs.filter((line) => /listener failed|failed before any listener|TypeError|Cannot read properties/.test(line));

  it.each([
    ['the macro select as a button', () => fromReplyForm(button(replyFields.macro, 'm1'))],
    [
      'the macro select with no selected_option',
      () => fromReplyForm({ type: 'external_select', action_id: replyFields.macro }),
    ],
    [
      'the macro select as a users_select',
      () => fromReplyForm({ type: 'users_select', action_id: replyFields.macro, selected_user: people.ben }),
    ],
    [
      'the macro select as a multi select',
      () => fromReplyForm({ type: 'multi_external_select', action_id: replyFields.macro, selected_options: [chosen] }),
    ],
    ['the category select as a button', () => fromReplyForm(button(replyFields.category, 'c1'))],
    ['the knowledge-base search as a button', () => fromReplyForm(button(replyFields.kbSearch, '0'))],
    [
      'the knowledge-base search with no selected_option',
      () => fromReplyForm({ type: 'external_select', action_id: replyFields.kbSearch }),
    ],
    ['the Home search as a button', () => fromReplyForm(button(actionIds.homeSearch, 'vpn'))],
    [
      'Take as a select',
      () => fromReplyForm({ type: 'static_select', action_id: actionIds.take, selected_option: chosen }),
    ],
    [
      'Link in reply as a select with no option',
      () => fromReplyForm({ type: 'static_select', action_id: replyFields.linkArticle }),
    ],
  ])('refuses %s (400), and changes nothing', async (_what, payload) => {
    const before = await everything();
    const answer = await send(payload());
    await desk.settled();
    expect(listenerFailures()).toEqual([]);
    expect(answer.status).toBe(400);
    expect(logs).toEqual([expect.stringContaining('slack: refused a request: actions.0')]);
    expect(desk.fake.calls().filter((call) => call.method !== 'auth.test')).toEqual([]);
    expect(await everything()).toEqual(before);
  });

  it.each(Object.values(actionIds).filter((id) => id !== actionIds.homeSearch))(
    'answers %s as a button with no value: acked, and nothing changes',
    async (actionId) => {
      const before = await everything();
      const answer = await send(onMessage(button(actionId), desk.fake.responseUrl()));
      await desk.settled();
      expect(answer.status).toBe(200);
      expect(listenerFailures()).toEqual([]);
      expect(await everything()).toEqual(before);
    },
  );

  it.each(Object.values(callbackIds))(
    'answers a %s submission whose state has no values, and saves nothing',
    async (callbackId) => {
      const before = await everything();
      const answer = await send(
        viewSubmissionWithoutState(callbackId, people.cho, JSON.stringify({ number: TICKET, version: 1 })),
      );
      await desk.settled();
      expect(answer.status).toBe(200);
      expect(listenerFailures()).toEqual([]);
      expect(await everything()).toEqual(before);
    },
  );
});
