import { beforeEach, describe, expect, it } from 'vitest';
import { waitingChatsBlocks } from '../blocks/chat-desk.js';
import { actionIds } from '../blocks/ids.js';
import { waitingChats } from '../src/chats/waiting.js';
import { chatSteps } from './support/chats.js';
import { expectHomeReadModelsMatchTickets } from './support/read-models.js';
import { useTestDesk } from './support/use-test-desk.js';
import { channels, people } from './support/workspace.js';

/** Chats waiting for an agent, oldest first; and a group transfer queued until someone there comes online and accepts. */
describe('waiting chats and the queue', () => {
  const desk = useTestDesk({ afterSettled: expectHomeReadModelsMatchTickets });
  const steps = chatSteps(desk);
  beforeEach(async () => {
    desk.fake.clearCalls();
    for (const agent of [people.ana, people.ben, people.cho, people.lead, people.payops])
      await steps.status(agent, 'offline');
  });

  async function command(user: string, text: string) {
    await desk.slack.command(user, '/ticket', text);
    await desk.settled();
    return desk.fake.responses().at(-1)!.body;
  }

  it('lists chats waiting in the agent’s groups, oldest first, with how long each waited and the group', async () => {
    const first = await steps.startByDm('UREQW001', 'Oldest question');
    desk.clock.advance(5 * 60_000);
    const second = await steps.startByDm('UREQW002', 'Newer question');
    desk.clock.advance(2 * 60_000);
    const third = await steps.startByDm('UREQW003', 'Newest question');
    await steps.accept(people.ben, second);

    const list = await waitingChats(desk.deskbolt.desk, people.ana);
    if (!list.ok) throw new Error(JSON.stringify(list));
    const mine = list.chats.filter((chat) => [first, second, third].some((c) => c.ticketNumber === chat.ticketNumber));
    expect(mine.map((chat) => [chat.ticketNumber, chat.groupName, chat.waitedMs, chat.kind])).toEqual([
      [first.ticketNumber, 'Billing', 7 * 60_000, 'new'],
      [third.ticketNumber, 'Billing', 0, 'new'],
    ]);
    // PayOps's Pat sees none of Billing's chats.
    const pats = await waitingChats(desk.deskbolt.desk, people.payops);
    expect(pats.ok && pats.chats.filter((chat) => chat.groupId === 10)).toEqual([]);

    const answer = await command(people.ana, 'chats');
    const text = JSON.stringify(answer.blocks);
    expect(text.indexOf(`*#${first.ticketNumber}* · Billing · waited *7 min*`)).toBeGreaterThan(-1);
    expect(text.indexOf(`*#${first.ticketNumber}*`)).toBeLessThan(text.indexOf(`*#${third.ticketNumber}*`));
    expect(text).not.toContain(`*#${second.ticketNumber}*`);
    expect(text).toContain(actionIds.acceptChat);
    // Accept from the list works like Accept on the chat itself.
    await desk.slack.blockAction(people.ana, { action_id: actionIds.acceptChat, value: String(first.ticketNumber) });
    await desk.settled();
    expect((await desk.store.chats.get(first.ticketNumber))!).toMatchObject({ state: 'live', agent: people.ana });
    expect((await command(people.outsider, 'chats')).text).toContain('only support agents');
  });

  it('the list is a section of the App Home as it is: Accept there works, and a refusal comes as a DM (a Home click has no response_url)', async () => {
    const waiting = await steps.startByDm('UREQW020', 'From the home tab');
    const taken = await steps.startByDm('UREQW021', 'Taken a moment ago');
    const list = await waitingChats(desk.deskbolt.desk, people.ben);
    if (!list.ok) throw new Error(JSON.stringify(list));
    // What the App Home (issue 6) adds: one section built from the plain data.
    await desk.deskbolt.slack.client.views.publish({
      user_id: people.ben,
      view: { type: 'home', blocks: waitingChatsBlocks(list.chats, desk.clock.now()) },
    });
    const home = desk.fake.homeView(people.ben)!;
    await steps.accept(people.ana, taken);

    await desk.slack.blockAction(
      people.ben,
      { action_id: actionIds.acceptChat, value: String(taken.ticketNumber) },
      { view: home.id },
    );
    await desk.settled();
    expect(steps.botMessages(desk.fake.dmChannelOf(people.ben)).at(-1)!.text).toBe(
      `Chat #${taken.ticketNumber} was accepted by <@${people.ana}> a moment ago.`,
    );
    await desk.slack.blockAction(
      people.ben,
      { action_id: actionIds.acceptChat, value: String(waiting.ticketNumber) },
      { view: home.id },
    );
    await desk.settled();
    expect((await desk.store.chats.get(waiting.ticketNumber))!).toMatchObject({ state: 'live', agent: people.ben });
  });

  it('nobody online in the group: the refusal offers to queue it or keep it; Keep it changes nothing', async () => {
    const chat = await steps.liveChat('UREQW010', people.ana);
    const refusal = await command(people.ana, `transfer ${chat.ticketNumber} group PayOps`);
    expect(refusal.text).toBe('nobody is available in PayOps right now — the chat stays with you');
    const buttons = JSON.stringify(refusal.blocks);
    expect(buttons).toContain(actionIds.queueTransfer);
    expect(buttons).toContain('Queue it for the next agent who comes online');
    expect(buttons).toContain(actionIds.keepChat);
    await desk.slack.blockAction(people.ana, { action_id: actionIds.keepChat, value: String(chat.ticketNumber) });
    await desk.settled();
    expect(desk.fake.responses().at(-1)!.body).toMatchObject({
      replace_original: true,
      text: `Kept: chat #${chat.ticketNumber} stays with you.`,
    });
    expect(await desk.store.chats.transfersOf(chat.ticketNumber)).toEqual([]);
    expect((await desk.store.chats.get(chat.ticketNumber))!).toMatchObject({ agent: people.ana, state: 'live' });
  });

  it('queued: the chat stays with its agent until someone of the group comes online, gets the offer, and accepts', async () => {
    const chat = await steps.liveChat('UREQW011', people.ana);
    await command(people.ana, `transfer ${chat.ticketNumber} group PayOps`);
    await desk.slack.blockAction(people.ana, { action_id: actionIds.queueTransfer, value: `${chat.ticketNumber}:20` });
    await desk.settled();
    expect(desk.fake.responses().at(-1)!.body.text).toContain(
      `Queued: chat #${chat.ticketNumber} stays with you until an agent of PayOps comes online`,
    );
    const queued = (await desk.store.chats.openTransferOf(chat.ticketNumber))!;
    expect(queued).toMatchObject({ state: 'requested', queued: true, to: { kind: 'group', id: '20' } });
    expect(await steps.actions(chat.ticketNumber)).toContain('transfer_requested');

    // Hours pass with nobody there: it still waits, the chat is still Ana's and live.
    desk.clock.advance(3 * 60 * 60_000);
    const waitingForPat = await waitingChats(desk.deskbolt.desk, people.payops);
    expect(
      waitingForPat.ok && waitingForPat.chats.find((entry) => entry.ticketNumber === chat.ticketNumber),
    ).toMatchObject({
      kind: 'transfer',
      queued: true,
      groupName: 'PayOps',
      from: people.ana,
      waitedMs: 3 * 60 * 60_000,
    });
    expect((await desk.store.chats.get(chat.ticketNumber))!).toMatchObject({
      agent: people.ana,
      state: 'live',
      groupId: 10,
    });
    await steps.replyInThread(people.ana, chat, 'Still on it while PayOps is away');
    expect(steps.botMessages(chat.requesterDm).at(-1)!.text).toBe('*Ana:* Still on it while PayOps is away');

    // Pat, still offline, cannot take it from the queue channel.
    const queuePost = desk.fake
      .messages(channels.payopsAlerts)
      .find((message) => JSON.stringify(message.blocks ?? []).includes(queued.id))!;
    await desk.slack.blockAction(
      people.payops,
      { action_id: actionIds.acceptTransfer, value: queued.id },
      { channel: channels.payopsAlerts, message: { ts: queuePost.ts } },
    );
    await desk.settled();
    expect(desk.fake.responses().at(-1)!.body.text).toContain('set yourself online');
    expect((await desk.store.chats.get(chat.ticketNumber))!.agent).toBe(people.ana);

    // Pat comes online: the offer arrives in a DM, once.
    await steps.status(people.payops, 'online');
    const patDm = desk.fake.dmChannelOf(people.payops);
    const offers = () =>
      steps.botMessages(patDm).filter((message) => JSON.stringify(message.blocks ?? []).includes(queued.id));
    expect(offers()).toHaveLength(1);
    await steps.status(people.payops, 'online');
    expect(offers()).toHaveLength(1);
    await desk.slack.blockAction(
      people.payops,
      { action_id: actionIds.acceptTransfer, value: queued.id },
      { channel: patDm, message: { ts: offers()[0]!.ts } },
    );
    await desk.settled();

    const moved = (await desk.store.chats.get(chat.ticketNumber))!;
    expect(moved).toMatchObject({
      agent: people.payops,
      groupId: 20,
      state: 'live',
      thread: { channel: channels.payopsAlerts, ts: queuePost.ts },
    });
    expect((await desk.store.tickets.get(chat.ticketNumber))!).toMatchObject({ assignee: people.payops, groupId: 20 });
    expect(await desk.store.chats.transfer(queued.id)).toMatchObject({
      state: 'accepted',
      answeredBy: people.payops,
      step: 'done',
    });
    expect(steps.botMessages(desk.fake.dmChannelOf(people.ana)).at(-1)!.text).toContain(
      `<@${people.payops}> accepted chat #${chat.ticketNumber}`,
    );
    expect(await steps.actions(chat.ticketNumber)).not.toContain('chat_ended');
  });

  it('from the transfer modal, the choice comes as a DM since a modal cannot hold it', async () => {
    const chat = await steps.liveChat('UREQW012', people.ana);
    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.transferChat, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.args.view;
    const response = await desk.slack.viewSubmission(people.ana, {
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: {
        values: {
          transfer_target: {
            transfer_target: {
              type: 'static_select',
              selected_option: { value: 'group:20', text: { type: 'plain_text', text: 'PayOps' } },
            },
          },
        },
      },
    });
    await desk.settled();
    expect(response.body).toBe('');
    const choice = steps.botMessages(desk.fake.dmChannelOf(people.ana)).at(-1)!;
    expect(choice.text).toBe('nobody is available in PayOps right now — the chat stays with you');
    expect(JSON.stringify(choice.blocks)).toContain(actionIds.queueTransfer);
  });
});
