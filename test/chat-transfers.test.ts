import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionIds, callbackIds } from '../blocks/ids.js';
import { finishUnfinishedTransfers, TRANSFER_GRACE_MS, transfersWaitingFor } from '../src/chats/transfers.js';
import type { Chat, Transfer } from '../src/chats/types.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import { chatSteps } from './support/chats.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { expectHomeReadModelsMatchTickets } from './support/read-models.js';
import { channels, people } from './support/workspace.js';

/** A chat moves only when the person asked accepts; every other answer leaves it with the agent who asked. */
describe('chat transfers', () => {
  let desk: TestDesk;
  let steps: ReturnType<typeof chatSteps>;
  let requesters = 0;
  beforeAll(async () => {
    desk = await startTestDesk({ afterSettled: expectHomeReadModelsMatchTickets });
    steps = chatSteps(desk);
  });
  afterAll(async () => {
    await desk.close();
  });
  beforeEach(async () => {
    desk.fake.clearCalls();
    for (const agent of [people.ana, people.ben, people.cho, people.lead, people.payops])
      await steps.status(agent, 'offline');
  });

  const dmOf = (user: string) => desk.fake.dmChannelOf(user);
  const newRequester = () => `UREQT${String(++requesters).padStart(3, '0')}`;

  async function anaChat(): Promise<Chat> {
    return steps.liveChat(newRequester(), people.ana);
  }

  async function transfer(from: string, text: string) {
    await desk.slack.command(from, '/ticket', `transfer ${text}`);
    await desk.settled();
    return steps.lastResponse();
  }

  async function openTransfer(chat: Chat): Promise<Transfer> {
    return (await desk.store.chats.openTransferOf(chat.ticketNumber))!;
  }

  /** The offer a person got in their DM with the bot, and a click on one of its buttons. */
  function offerIn(channel: string) {
    return steps
      .botMessages(channel)
      .filter((message) => JSON.stringify(message.blocks ?? []).includes(actionIds.acceptTransfer))
      .at(-1);
  }

  async function click(user: string, actionId: string, offerChannel: string, transferId: string) {
    const offer = desk.fake
      .messages(offerChannel)
      .find((message) => JSON.stringify(message.blocks ?? []).includes(transferId));
    // An offer already answered shows no buttons; a click from a screen that has not refreshed yet still arrives.
    await desk.slack.blockAction(
      user,
      { action_id: actionId, value: transferId },
      offer ? { channel: offerChannel, message: { ts: offer.ts } } : { channel: offerChannel },
    );
    await desk.settled();
  }

  it('to an agent: nothing moves until they accept; then chat, thread and ticket are theirs and everyone is told', async () => {
    const chat = await anaChat();
    await steps.status(people.ben, 'online');
    const answer = await transfer(people.ana, `${chat.ticketNumber} @ben`);
    expect(answer).toContain(`Asked <@${people.ben}> to take chat #${chat.ticketNumber}`);
    const request = await openTransfer(chat);
    expect(request).toMatchObject({ state: 'requested', from: people.ana, to: { kind: 'agent', id: people.ben } });
    expect((await desk.store.chats.get(chat.ticketNumber))!.agent).toBe(people.ana);
    expect((await desk.store.tickets.get(chat.ticketNumber))!.assignee).toBe(people.ana);
    const offer = offerIn(dmOf(people.ben))!;
    expect(JSON.stringify(offer.blocks)).toContain(actionIds.declineTransfer);
    expect(JSON.stringify(offer.blocks)).toContain('Hi, my card was charged twice');

    await click(people.ben, actionIds.acceptTransfer, dmOf(people.ben), request.id);
    expect((await desk.store.chats.get(chat.ticketNumber))!).toMatchObject({ agent: people.ben, thread: chat.thread });
    expect((await desk.store.tickets.get(chat.ticketNumber))!.assignee).toBe(people.ben);
    expect(await desk.store.chats.transfer(request.id)).toMatchObject({
      state: 'accepted',
      step: 'done',
      answeredBy: people.ben,
    });
    expect(steps.botMessages(dmOf(people.ana)).at(-1)!.text).toContain(
      `<@${people.ben}> accepted chat #${chat.ticketNumber}`,
    );
    expect(steps.botMessages(dmOf(people.ben)).at(-1)!.text).toContain(`Chat #${chat.ticketNumber} is yours now`);
    expect(steps.threadMessages(chat).at(-1)!.text).toContain(
      `<@${people.ben}> accepted the transfer from <@${people.ana}>`,
    );
    expect(
      JSON.stringify(desk.fake.messages(dmOf(people.ben)).find((message) => message.ts === offer.ts)!.blocks),
    ).not.toContain(actionIds.acceptTransfer);
    expect(await steps.actions(chat.ticketNumber)).toEqual(
      expect.arrayContaining(['transfer_requested', 'transfer_accepted']),
    );

    // The new agent now speaks to the requester; the old one no longer does.
    await steps.replyInThread(people.ben, chat, 'Ben here, taking over');
    expect(steps.botMessages(chat.requesterDm).at(-1)!.text).toBe('*Ben:* Ben here, taking over');
    await steps.replyInThread(people.ana, chat, 'bye');
    expect(steps.botMessages(chat.requesterDm).at(-1)!.text).toBe('*Ben:* Ben here, taking over');
  });

  it('declined: the requesting agent is told and keeps the chat', async () => {
    const chat = await anaChat();
    await steps.status(people.ben, 'online');
    await transfer(people.ana, `${chat.ticketNumber} @ben`);
    const request = await openTransfer(chat);
    await click(people.ana, actionIds.declineTransfer, dmOf(people.ben), request.id);
    expect(steps.lastResponse()).toContain('not yours to answer');
    await click(people.ben, actionIds.declineTransfer, dmOf(people.ben), request.id);
    expect(await desk.store.chats.transfer(request.id)).toMatchObject({ state: 'declined', answeredBy: people.ben });
    expect((await desk.store.chats.get(chat.ticketNumber))!.agent).toBe(people.ana);
    expect(steps.botMessages(dmOf(people.ana)).at(-1)!.text).toBe(
      `<@${people.ben}> declined chat #${chat.ticketNumber} — it stays with you.`,
    );
    expect(await steps.actions(chat.ticketNumber)).toContain('transfer_declined');
  });

  it('refuses at once a request to an offline agent, with that reason', async () => {
    const chat = await anaChat();
    const answer = await transfer(people.ana, `${chat.ticketNumber} @ben`);
    expect(answer).toBe(`<@${people.ben}> is offline, so the chat was not offered — it stays with you.`);
    expect(await desk.store.chats.transfersOf(chat.ticketNumber)).toHaveLength(0);
    expect(desk.fake.dmsTo(people.ben)).toHaveLength(0);
  });

  it('expires: lazily on the next click, and by the job function; the requesting agent keeps the chat', async () => {
    const chat = await anaChat();
    await steps.status(people.ben, 'online');
    await transfer(people.ana, `${chat.ticketNumber} @ben`);
    const request = await openTransfer(chat);
    desk.clock.advance(121_000);
    await click(people.ben, actionIds.acceptTransfer, dmOf(people.ben), request.id);
    expect(steps.lastResponse()).toContain('expired');
    expect(await desk.store.chats.transfer(request.id)).toMatchObject({ state: 'expired' });
    expect((await desk.store.chats.get(chat.ticketNumber))!.agent).toBe(people.ana);
    expect(steps.botMessages(dmOf(people.ana)).at(-1)!.text).toContain(
      'expired with no answer — the chat stays with you',
    );

    await transfer(people.ana, `${chat.ticketNumber} @ben`);
    const second = await openTransfer(chat);
    desk.clock.advance(60_000);
    // Only this chat's request counts: another test may have left one of its own waiting.
    const expiry = async () =>
      ((await desk.deskbolt.jobs.run(deskJob('transfer-expiry'))).result as Transfer[]).filter(
        (expired) => expired.ticketNumber === chat.ticketNumber,
      ).length;
    expect(await expiry()).toBe(0);
    desk.clock.advance(61_000);
    expect(await expiry()).toBe(1);
    await desk.settled();
    expect(await desk.store.chats.transfer(second.id)).toMatchObject({ state: 'expired' });
    expect((await steps.actions(chat.ticketNumber)).filter((action) => action === 'transfer_expired')).toHaveLength(2);
  });

  it('allows one open request per chat, pointing to the first; a cancelled request cannot be accepted', async () => {
    const chat = await anaChat();
    await steps.status(people.ben, 'online');
    await steps.status(people.cho, 'online');
    await transfer(people.ana, `${chat.ticketNumber} @ben`);
    const first = await openTransfer(chat);
    const second = await transfer(people.ana, `${chat.ticketNumber} @cho`);
    expect(second).toContain(`already has a transfer request waiting: to <@${people.ben}>`);
    expect(second).toContain(`/ticket transfer cancel ${chat.ticketNumber}`);
    expect(await desk.store.chats.transfersOf(chat.ticketNumber)).toHaveLength(1);

    expect(await transfer(people.ana, `cancel ${chat.ticketNumber}`)).toContain('Cancelled');
    expect(
      desk.fake.messages(dmOf(people.ben)).some((message) => JSON.stringify(message.blocks ?? []).includes(first.id)),
    ).toBe(false);
    await click(people.ben, actionIds.acceptTransfer, dmOf(people.ben), first.id);
    expect(steps.lastResponse()).toContain('was cancelled');
    expect((await desk.store.chats.get(chat.ticketNumber))!.agent).toBe(people.ana);
    expect(await steps.actions(chat.ticketNumber)).toContain('transfer_cancelled');
  });

  it('ending the chat cancels a request still waiting, so nobody can accept an ended chat', async () => {
    const chat = await anaChat();
    await steps.status(people.ben, 'online');
    await transfer(people.ana, `${chat.ticketNumber} @ben`);
    const request = await openTransfer(chat);
    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.endChat, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
    expect(await desk.store.chats.transfer(request.id)).toMatchObject({ state: 'cancelled' });
    await click(people.ben, actionIds.acceptTransfer, dmOf(people.ben), request.id);
    expect(steps.lastResponse()).toContain('was cancelled');
    expect((await desk.store.chats.get(chat.ticketNumber))!).toMatchObject({ state: 'ended', agent: people.ana });
  });

  it('to a group nobody of which is online: refused with the reason, and the chat stays', async () => {
    const chat = await anaChat();
    expect(await transfer(people.ana, `${chat.ticketNumber} group PayOps`)).toBe(
      'nobody is available in PayOps right now — the chat stays with you',
    );
    expect(await desk.store.chats.transfersOf(chat.ticketNumber)).toHaveLength(0);
    expect((await desk.store.chats.get(chat.ticketNumber))!).toMatchObject({ agent: people.ana, state: 'live' });
  });

  it('to a group: offered in its queue to its online agents; of two accepting at once one wins, and the chat moves there', async () => {
    const chat = await anaChat();
    await steps.status(people.payops, 'online');
    await steps.status(people.cho, 'online');
    await transfer(people.ana, `${chat.ticketNumber} group PayOps`);
    const request = await openTransfer(chat);
    const offer = offerIn(channels.payopsAlerts)!;
    expect((await transfersWaitingFor(desk.deskbolt.desk, people.payops)).map((waiting) => waiting.id)).toContain(
      request.id,
    );
    expect(offer.text).toContain(`<@${people.payops}>`);
    expect(JSON.stringify(offer.blocks)).not.toContain(actionIds.declineTransfer);

    await Promise.all([
      desk.slack.blockAction(
        people.payops,
        { action_id: actionIds.acceptTransfer, value: request.id },
        { channel: channels.payopsAlerts, message: { ts: offer.ts } },
      ),
      desk.slack.blockAction(
        people.cho,
        { action_id: actionIds.acceptTransfer, value: request.id },
        { channel: channels.payopsAlerts, message: { ts: offer.ts } },
      ),
    ]);
    await desk.settled();
    const done = (await desk.store.chats.transfer(request.id))!;
    expect([people.payops, people.cho]).toContain(done.answeredBy);
    expect(desk.fake.responses().map((response) => response.body.text)).toContain(
      `This transfer of chat #${chat.ticketNumber} was already accepted by <@${done.answeredBy}>; nothing changed.`,
    );
    const moved = (await desk.store.chats.get(chat.ticketNumber))!;
    expect(moved).toMatchObject({
      agent: done.answeredBy,
      groupId: 20,
      thread: { channel: channels.payopsAlerts, ts: offer.ts },
    });
    expect((await desk.store.tickets.get(chat.ticketNumber))!).toMatchObject({
      assignee: done.answeredBy,
      groupId: 20,
    });
    expect((await steps.actions(chat.ticketNumber)).filter((action) => action === 'transfer_accepted')).toHaveLength(1);

    // The requester's next message reaches the new thread.
    await desk.slack.message(chat.requester, 'Hello again');
    await desk.settled();
    expect(steps.threadMessages(moved).at(-1)!.text).toContain('Hello again');
  });

  it('to a team lead: only a lead of the chat’s group may accept', async () => {
    const chat = await anaChat();
    expect(await transfer(people.ana, `${chat.ticketNumber} lead`)).toContain('no team lead of Billing is available');
    await steps.status(people.lead, 'online');
    await steps.status(people.ben, 'online');
    await transfer(people.ana, `${chat.ticketNumber} lead`);
    const request = await openTransfer(chat);
    expect(offerIn(dmOf(people.lead))).toBeDefined();
    expect((await transfersWaitingFor(desk.deskbolt.desk, people.lead)).map((waiting) => waiting.id)).toContain(
      request.id,
    );
    expect((await transfersWaitingFor(desk.deskbolt.desk, people.ben)).map((waiting) => waiting.id)).not.toContain(
      request.id,
    );
    await desk.slack.blockAction(people.ben, { action_id: actionIds.acceptTransfer, value: request.id });
    await desk.settled();
    expect(steps.lastResponse()).toContain('only a team lead of Billing can accept it');
    await click(people.lead, actionIds.acceptTransfer, dmOf(people.lead), request.id);
    expect((await desk.store.chats.get(chat.ticketNumber))!.agent).toBe(people.lead);
  });

  it('the Transfer button opens a picker with each agent’s availability; an offline pick is refused on the field', async () => {
    const chat = await anaChat();
    await steps.status(people.ben, 'online');
    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.transferChat, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.args.view;
    expect(view.callback_id).toBe(callbackIds.transferChat);
    const labels = JSON.stringify(view.blocks);
    expect(labels).toContain('Ben · online');
    expect(labels).toContain('Cho · offline');
    const refused = await desk.slack.viewSubmission(people.ana, {
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, { transfer_target: `agent:${people.cho}` }),
    });
    expect(refused.json).toEqual({
      response_action: 'errors',
      errors: { transfer_target: 'Cho is offline, so the chat was not offered — it stays with you.' },
    });
    const asked = await desk.slack.viewSubmission(people.ana, {
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, { transfer_target: `agent:${people.ben}` }),
    });
    expect(asked.body).toBe('');
    await desk.settled();
    expect(await openTransfer(chat)).toMatchObject({ to: { kind: 'agent', id: people.ben } });
    expect(offerIn(dmOf(people.ben))).toBeDefined();
  });

  it('an accept that stopped half-way is finished by a retry, without a step done twice', async () => {
    const chat = await anaChat();
    await steps.status(people.ben, 'online');
    await transfer(people.ana, `${chat.ticketNumber} @ben`);
    const request = await openTransfer(chat);
    // The process died right after the accept was recorded, before the chat and ticket moved.
    await desk.store.chats.answerTransfer(request.id, { state: 'accepted', by: people.ben, at: desk.clock.now() });
    expect((await desk.store.chats.get(chat.ticketNumber))!.agent).toBe(people.ana);
    // Younger than a live accept takes, it is left to the process that accepted it.
    expect(await finishUnfinishedTransfers(desk.deskbolt.desk)).toHaveLength(0);
    desk.clock.advance(TRANSFER_GRACE_MS);
    expect(await finishUnfinishedTransfers(desk.deskbolt.desk)).toHaveLength(1);
    expect((await desk.store.chats.get(chat.ticketNumber))!.agent).toBe(people.ben);
    expect((await desk.store.tickets.get(chat.ticketNumber))!.assignee).toBe(people.ben);

    // Died after the chat moved but before the step was recorded: the retry finds the ticket moved and writes no second event.
    await desk.store.models.Ticket.db
      .collection('transfers')
      .updateOne({ _id: request.id as never }, { $set: { step: 'chat-moved' } });
    await click(people.ben, actionIds.acceptTransfer, dmOf(people.ben), request.id);
    expect(await desk.store.chats.transfer(request.id)).toMatchObject({ step: 'done' });
    expect((await steps.actions(chat.ticketNumber)).filter((action) => action === 'transfer_accepted')).toHaveLength(1);
    expect(await finishUnfinishedTransfers(desk.deskbolt.desk)).toHaveLength(0);
  });
});
