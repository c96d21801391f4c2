import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionIds } from '../blocks/ids.js';
import { chatSteps } from './support/chats.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { channels, people } from './support/workspace.js';

/** Back to queue: an agent hands a live chat back to its group's queue, and the first agent there who accepts gets it. */
describe('putting a chat back in the queue', () => {
  let desk: TestDesk;
  let steps: ReturnType<typeof chatSteps>;
  let requesters = 0;
  beforeAll(async () => {
    desk = await startTestDesk();
    steps = chatSteps(desk);
  });
  afterAll(() => desk.close());
  beforeEach(async () => {
    desk.fake.clearCalls();
    for (const agent of [people.ana, people.ben, people.cho, people.lead, people.payops])
      await steps.status(agent, 'offline');
  });
  const newRequester = () => `UREQQ${String(++requesters).padStart(3, '0')}`;

  async function backToQueue(agent: string, chat: { ticketNumber: number; thread: { channel: string; ts: string } }) {
    await desk.slack.blockAction(
      agent,
      { action_id: actionIds.requeueChat, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
  }

  it('the requester is told they wait, the group channel shows it waiting, and the first to accept gets it', async () => {
    const chat = await steps.liveChat(newRequester(), people.ana, 'Need help with an invoice');
    const parent = () => desk.fake.messages(channels.billingAlerts).find((message) => message.ts === chat.thread.ts)!;
    expect(JSON.stringify(parent().blocks)).toContain(actionIds.requeueChat);
    await steps.status(people.ben, 'online');
    await steps.status(people.cho, 'online');

    await backToQueue(people.ana, chat);
    expect((await desk.store.chats.get(chat.ticketNumber))!).toMatchObject({ state: 'waiting', agent: null });
    expect((await desk.store.tickets.get(chat.ticketNumber))!.assignee).toBeNull();
    expect(await steps.actions(chat.ticketNumber)).toContain('chat_requeued');
    expect(steps.botMessages(chat.requesterDm).at(-1)!.text).toBe(
      'You are waiting for the next available agent of Billing; stay here and they will answer in this conversation.',
    );
    // The group's channel shows it waiting again (Accept, not the old agent's buttons), and its thread pings who is online.
    expect(JSON.stringify(parent().blocks)).toContain(actionIds.acceptChat);
    expect(JSON.stringify(parent().blocks)).not.toContain(actionIds.requeueChat);
    expect(steps.threadMessages(chat).at(-1)!.text).toContain(`<@${people.ana}> put the chat back in Billing's queue`);
    expect(steps.threadMessages(chat).at(-1)!.text).toContain(`<@${people.ben}>`);

    await Promise.all([steps.accept(people.ben, chat), steps.accept(people.cho, chat)]);
    const taken = (await desk.store.chats.get(chat.ticketNumber))!;
    expect(taken.state).toBe('live');
    expect([people.ben, people.cho]).toContain(taken.agent);
    expect((await desk.store.tickets.get(chat.ticketNumber))!.assignee).toBe(taken.agent);
  });

  it('only the chat’s own agent puts it back; a waiting transfer request must be answered or cancelled first', async () => {
    const chat = await steps.liveChat(newRequester(), people.ana, 'Another question');
    await backToQueue(people.ben, chat);
    expect(steps.lastResponse()).toContain('not yours');
    expect((await desk.store.chats.get(chat.ticketNumber))!).toMatchObject({ state: 'live', agent: people.ana });

    await steps.status(people.ben, 'online');
    await desk.slack.command(people.ana, '/ticket', `transfer ${chat.ticketNumber} @ben`);
    await desk.settled();
    await backToQueue(people.ana, chat);
    expect(steps.lastResponse()).toContain('already has a transfer request waiting');
    expect((await desk.store.chats.get(chat.ticketNumber))!).toMatchObject({ state: 'live', agent: people.ana });
  });
});
