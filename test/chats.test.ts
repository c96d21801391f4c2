import { describe, expect, it } from 'vitest';
import { actionIds, callbackIds } from '../blocks/ids.js';
import { chatActivity } from '../src/chats/chat.js';
import { forgetOldRelays } from '../src/chats/relay.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import { chatSteps } from './support/chats.js';
import { useTestDesk } from './support/use-test-desk.js';
import { channels, people } from './support/workspace.js';

/** A requester chats with the desk in Slack: the conversation is relayed between their DM and the agent's thread. */
describe('chats', () => {
  const desk = useTestDesk();
  const steps = chatSteps(desk);

  const dmOf = (user: string) => desk.fake.dmChannelOf(user);

  it('a DM to the bot opens a chat ticket and posts Incoming chat in the queue, pinging only online agents', async () => {
    await steps.status(people.ana, 'online');
    await steps.status(people.ben, 'offline');
    const chat = await steps.startByDm('UREQA001', 'My invoice is wrong');

    const ticket = (await desk.store.tickets.get(chat.ticketNumber))!;
    expect(ticket).toMatchObject({
      channel: 'chat',
      status: 'new',
      assignee: null,
      groupId: 10,
      subject: 'My invoice is wrong',
    });
    expect(chat).toMatchObject({
      requester: 'UREQA001',
      requesterDm: dmOf('UREQA001'),
      state: 'waiting',
      agent: null,
      thread: { channel: channels.billingAlerts },
    });
    const incoming = desk.fake
      .okCalls('chat.postMessage')
      .find((call) => call.args.channel === channels.billingAlerts)!;
    expect(incoming.args.text).toContain(`<@${people.ana}>`);
    expect(incoming.args.text).not.toContain(`<@${people.ben}>`);
    expect(JSON.stringify(incoming.args.blocks)).toContain('Incoming chat #');
    expect(JSON.stringify(incoming.args.blocks)).toContain(actionIds.acceptChat);
    expect(desk.fake.messages(dmOf('UREQA001')).at(-1)!.text).toContain(`chat #${chat.ticketNumber} is open`);
    expect(await steps.actions(chat.ticketNumber)).toEqual(['created', 'chat_started']);
  });

  it('a second message adds to the open chat instead of opening another', async () => {
    const chat = await steps.startByDm('UREQA002', 'First');
    await desk.slack.message('UREQA002', 'Second');
    await desk.settled();
    expect(await desk.store.models.Ticket.countDocuments({ 'requester.userId': 'UREQA002' })).toBe(1);
    expect(steps.threadMessages(chat).map((message) => message.text)).toEqual([
      ':bust_in_silhouette: *Requester:* Second',
    ]);
  });

  it('gives the chat to exactly one of two agents accepting at once, and shows the others who has it', async () => {
    await steps.status(people.ana, 'online');
    await steps.status(people.ben, 'online');
    const chat = await steps.startByDm('UREQA003', 'Help please');
    await Promise.all([steps.accept(people.ana, chat), steps.accept(people.ben, chat)]);
    await desk.settled();

    const after = (await desk.store.chats.get(chat.ticketNumber))!;
    expect([people.ana, people.ben]).toContain(after.agent);
    expect(after.state).toBe('live');
    expect((await desk.store.tickets.get(chat.ticketNumber))!.assignee).toBe(after.agent);
    const loser = after.agent === people.ana ? people.ben : people.ana;
    expect(desk.fake.responses().map((response) => response.body.text)).toContain(
      `Chat #${chat.ticketNumber} was accepted by <@${after.agent}> a moment ago.`,
    );
    const parent = desk.fake.messages(chat.thread.channel).find((message) => message.ts === chat.thread.ts)!;
    expect(JSON.stringify(parent.blocks)).toContain(`Accepted by <@${after.agent}>`);
    expect(JSON.stringify(parent.blocks)).not.toContain(actionIds.acceptChat);
    expect((await steps.actions(chat.ticketNumber)).filter((action) => action === 'chat_accepted')).toHaveLength(1);
    expect(loser).not.toBe(after.agent);
  });

  it('relays both ways, stores each side once, and acts once on a redelivered event', async () => {
    const chat = await steps.liveChat('UREQA004', people.ana);
    const eventId = 'EvREDELIVER1';
    const first = await desk.slack.message('UREQA004', 'It was charged on Monday', { eventId });
    await desk.settled();
    // Slack retries with the same event_id: answered, not acted on.
    await desk.slack.event(
      { type: 'message', user: 'UREQA004', text: 'It was charged on Monday', channel: first.channel, ts: first.ts },
      { eventId, retryNum: 1 },
    );
    await desk.settled();
    expect(steps.threadMessages(chat).filter((message) => message.text?.includes('charged on Monday'))).toHaveLength(1);
    const replies = await desk.store.tickets.comments(chat.ticketNumber, { kinds: ['public'] });
    expect(replies.filter((comment) => comment.text === 'It was charged on Monday')).toHaveLength(1);

    await steps.replyInThread(people.ana, chat, 'I see it, refunding now');
    const dm = steps.botMessages(dmOf('UREQA004')).at(-1)!;
    expect(dm.text).toBe('*Ana:* I see it, refunding now');
    const agentReply = (await desk.store.tickets.comments(chat.ticketNumber)).find(
      (comment) => comment.text === 'I see it, refunding now',
    )!;
    expect(agentReply).toMatchObject({ kind: 'public', author: { kind: 'agent', id: people.ana } });
    expect(await steps.actions(chat.ticketNumber)).toContain('replied');
  });

  it('keeps notes in the thread: the note prefix, another agent’s reply, and the Internal note shortcut', async () => {
    const chat = await steps.liveChat('UREQA005', people.ana);
    const dmBefore = steps.botMessages(dmOf('UREQA005')).length;
    await steps.replyInThread(people.ana, chat, 'note: customer is a VIP');
    await steps.replyInThread(people.ben, chat, 'I can help if needed');
    expect(steps.botMessages(dmOf('UREQA005'))).toHaveLength(dmBefore);
    const ephemeral = desk.fake.okCalls('chat.postEphemeral').at(-1)!;
    expect(ephemeral.args).toMatchObject({ user: people.ben, channel: chat.thread.channel });
    expect(ephemeral.args.text).toContain('internal note');

    await desk.slack.messageShortcut(people.ana, 'chat_internal_note', {
      ts: '1700000001.000100',
      text: 'lunch?',
      user: people.ben,
      channel: 'C0GENERAL',
    });
    await desk.settled();
    expect(steps.lastResponse()).toContain('not part of a chat');
    await desk.slack.messageShortcut(people.ana, 'chat_internal_note', {
      ts: chat.thread.ts,
      text: 'Incoming chat',
      user: desk.fake.botUserId,
      channel: chat.thread.channel,
    });
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.args.view;
    expect(view.callback_id).toBe(callbackIds.chatNote);
    await desk.slack.viewSubmission(people.ana, {
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, { chat_note_text: 'Refund approved by finance' }),
    });
    await desk.settled();
    expect(steps.threadMessages(chat).at(-1)!.text).toContain('Refund approved by finance');
    expect(steps.botMessages(dmOf('UREQA005'))).toHaveLength(dmBefore);

    const notes = await desk.store.tickets.comments(chat.ticketNumber, { kinds: ['chat-note'] });
    expect(notes.map((comment) => comment.text).sort()).toEqual([
      'I can help if needed',
      'Refund approved by finance',
      'customer is a VIP',
    ]);
    expect(
      (await desk.store.tickets.comments(chat.ticketNumber, { kinds: ['public'] })).some((comment) =>
        comment.text.includes('VIP'),
      ),
    ).toBe(false);
  });

  it('follows edits and deletions of relayed messages on both sides', async () => {
    const chat = await steps.liveChat('UREQA006', people.ana);
    const sent = await desk.slack.message('UREQA006', 'Order 1234');
    await desk.settled();
    await desk.slack.event({
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      channel: sent.channel,
      ts: '1.1',
      message: {
        type: 'message',
        user: 'UREQA006',
        text: 'Order 1243',
        ts: sent.ts,
        edited: { user: 'UREQA006', ts: '2.2' },
      },
      previous_message: { type: 'message', user: 'UREQA006', text: 'Order 1234', ts: sent.ts },
    });
    await desk.settled();
    const copy = steps.threadMessages(chat).find((message) => message.text?.includes('Order'))!;
    expect(copy.text).toBe(':bust_in_silhouette: *Requester:* Order 1243 _(edited)_');
    expect(
      (await desk.store.tickets.comments(chat.ticketNumber)).some((comment) => comment.text === 'Order 1243'),
    ).toBe(true);

    const slip = await steps.replyInThread(people.ana, chat, 'Customer seems upset');
    expect(steps.botMessages(dmOf('UREQA006')).some((message) => message.text?.includes('seems upset'))).toBe(true);
    await desk.slack.event({
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      channel: slip.channel,
      ts: '4.4',
      message: {
        type: 'message',
        user: people.ana,
        text: 'note: Customer seems upset',
        ts: slip.ts,
        thread_ts: chat.thread.ts,
      },
      previous_message: { type: 'message', user: people.ana, text: 'Customer seems upset', ts: slip.ts },
    });
    await desk.settled();
    // Edited into a note: withdrawn from the requester.
    expect(steps.botMessages(dmOf('UREQA006')).some((message) => message.text?.includes('seems upset'))).toBe(false);

    const reply = await steps.replyInThread(people.ana, chat, 'Wrong customer, sorry');
    expect(steps.botMessages(dmOf('UREQA006')).some((message) => message.text?.includes('Wrong customer'))).toBe(true);
    await desk.slack.event({
      type: 'message',
      subtype: 'message_deleted',
      hidden: true,
      channel: reply.channel,
      ts: '3.3',
      deleted_ts: reply.ts,
      previous_message: {
        type: 'message',
        user: people.ana,
        text: 'Wrong customer, sorry',
        ts: reply.ts,
        thread_ts: chat.thread.ts,
      },
    });
    await desk.settled();
    expect(steps.botMessages(dmOf('UREQA006')).some((message) => message.text?.includes('Wrong customer'))).toBe(false);
    expect(desk.fake.okCalls('chat.delete')).toHaveLength(2);
  });

  it('relays allowed files by link and tells the sender when a file is not allowed', async () => {
    const chat = await steps.liveChat('UREQA007', people.ana);
    const dm = dmOf('UREQA007');
    desk.fake.addFile({
      id: 'FPNG0001',
      name: 'receipt.png',
      mimetype: 'image/png',
      filetype: 'png',
      size: 1_000_000,
      user: 'UREQA007',
    });
    desk.fake.addFile({
      id: 'FZIP0001',
      name: 'logs.zip',
      mimetype: 'application/zip',
      filetype: 'zip',
      size: 1_000,
      user: 'UREQA007',
    });
    desk.fake.addFile({
      id: 'FPDF0001',
      name: 'scan.pdf',
      mimetype: 'application/pdf',
      filetype: 'pdf',
      size: 25 * 1024 * 1024,
      user: 'UREQA007',
    });
    for (const file of ['FPNG0001', 'FZIP0001', 'FPDF0001']) {
      await desk.slack.event({
        type: 'file_shared',
        file_id: file,
        user_id: 'UREQA007',
        file: { id: file },
        channel_id: dm,
      });
    }
    await desk.settled();
    const thread = steps.threadMessages(chat).map((message) => message.text ?? '');
    expect(thread.some((text) => text.includes('receipt.png') && text.includes('https://fake.slack.com/files/'))).toBe(
      true,
    );
    expect(thread.some((text) => text.includes('logs.zip') || text.includes('scan.pdf'))).toBe(false);
    const told = steps.botMessages(dm).map((message) => message.text ?? '');
    expect(told).toContain(
      '“logs.zip” was not passed on: only PDF, PNG, JPEG, GIF and TXT files can be shared in a chat.',
    );
    expect(told.some((text) => text.startsWith('“scan.pdf” was not passed on: it is 25.0 MB'))).toBe(true);

    desk.fake.addFile({
      id: 'FTXT0001',
      name: 'steps.txt',
      mimetype: 'text/plain',
      filetype: 'text',
      size: 500,
      user: people.ana,
    });
    desk.fake.addMessage({
      channel: chat.thread.channel,
      user: people.ana,
      text: '',
      ts: '1800000000.000100',
      threadTs: chat.thread.ts,
    });
    await desk.slack.event({
      type: 'message',
      subtype: 'file_share',
      user: people.ana,
      text: '',
      channel: chat.thread.channel,
      channel_type: 'channel',
      ts: '1800000000.000100',
      thread_ts: chat.thread.ts,
      files: [{ id: 'FTXT0001' }],
    });
    await desk.settled();
    expect(steps.botMessages(dm).at(-1)!.text).toContain('*Ana:* shared a file: <https://fake.slack.com/files/');
  });

  it('opens a chat from a message in a group’s intake channel and answers in the requester’s DM', async () => {
    await steps.status(people.ana, 'online');
    await desk.slack.message('UREQA008', 'Where is my refund?', { channel: channels.billingIntake });
    await desk.settled();
    const chat = (await desk.store.chats.openOf('UREQA008'))!;
    expect(chat).toMatchObject({ groupId: 10, requesterDm: dmOf('UREQA008') });
    expect((await desk.store.tickets.get(chat.ticketNumber))!.source).toMatchObject({
      kind: 'intake-channel',
      channelId: channels.billingIntake,
    });
    await steps.accept(people.ana, chat);
    await steps.replyInThread(
      people.ana,
      { ...chat, thread: (await desk.store.chats.get(chat.ticketNumber))!.thread },
      'Looking now',
    );
    expect(steps.botMessages(dmOf('UREQA008')).at(-1)!.text).toBe('*Ana:* Looking now');
  });

  it('is active within 3 minutes of a message and inactive after; the refresh shows it', async () => {
    const chat = await steps.liveChat('UREQA009', people.ana);
    expect(chatActivity(chat, desk.clock.now())).toBe('active');
    desk.clock.advance(3 * 60_000);
    expect(chatActivity(chat, desk.clock.now())).toBe('inactive');
    const activity = async () => {
      const run = await desk.deskbolt.jobs.run(deskJob('chat-activity'));
      await desk.settled();
      return run.result as number;
    };
    expect(await activity()).toBeGreaterThanOrEqual(1);
    // Shown inactive once: the next run does not touch it again.
    const updates = desk.fake.okCalls('chat.update').filter((call) => call.args.ts === chat.thread.ts).length;
    await activity();
    expect(desk.fake.okCalls('chat.update').filter((call) => call.args.ts === chat.thread.ts)).toHaveLength(updates);
    const parent = desk.fake.messages(chat.thread.channel).find((message) => message.ts === chat.thread.ts)!;
    expect(JSON.stringify(parent.blocks)).toContain('Inactive');
    await desk.slack.message('UREQA009', 'Still there?');
    await desk.settled();
    const again = desk.fake.messages(chat.thread.channel).find((message) => message.ts === chat.thread.ts)!;
    expect(JSON.stringify(again.blocks)).toContain(':large_green_circle: Active');
  });

  it('the agent ends the chat; the ticket stays open to be solved, and the next message asks whether it is about it or new', async () => {
    const chat = await steps.liveChat('UREQA010', people.ana);
    await desk.slack.blockAction(
      people.ben,
      { action_id: actionIds.endChat, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
    expect(steps.lastResponse()).toContain("Only the chat's agent");
    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.endChat, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
    expect((await desk.store.chats.get(chat.ticketNumber))!.state).toBe('ended');
    expect((await desk.store.tickets.get(chat.ticketNumber))!).toMatchObject({ status: 'open', assignee: people.ana });
    expect(await steps.actions(chat.ticketNumber)).toContain('chat_ended');
    expect(steps.botMessages(dmOf('UREQA010')).at(-1)!.text).toContain('has ended');
    // The requester has an open ticket: the bot asks which request a new message is about before filing anything.
    await desk.slack.message('UREQA010', 'One more thing');
    await desk.settled();
    const question = steps.botMessages(dmOf('UREQA010')).at(-1)!;
    expect(question.text).toBe('Is this about one of your open requests?');
    expect(await desk.store.chats.openOf('UREQA010')).toBeNull();
    const newOne = question
      .blocks!.flatMap((block: any) => block.elements ?? [])
      .find((element: any) => element.text?.text === 'Something new');
    await desk.slack.blockAction(
      'UREQA010',
      { action_id: newOne.action_id, value: newOne.value },
      { channel: dmOf('UREQA010'), message: { ts: question.ts } },
    );
    await desk.settled();
    const next = (await desk.store.chats.openOf('UREQA010'))!;
    expect(next.ticketNumber).not.toBe(chat.ticketNumber);
    expect((await desk.store.tickets.get(next.ticketNumber))!.description).toBe('One more thing');
  });

  it('answers availability, refuses a wrong one, and refuses non-agents', async () => {
    await desk.slack.command(people.ana, '/ticket', 'status away');
    await desk.settled();
    expect(steps.lastResponse()).toBe('You are now :large_yellow_circle: away.');
    await desk.slack.command(people.ana, '/ticket', 'status {"$gt":""}');
    await desk.settled();
    expect(steps.lastResponse()).toContain('is not an availability');
    await desk.slack.command(people.outsider, '/ticket', 'status online');
    await desk.settled();
    expect(steps.lastResponse()).toContain('only support agents');
    await desk.slack.command(people.ana, '/ticket', 'status');
    await desk.settled();
    expect(steps.lastResponse()).toContain('away');
  });

  it('ignores its own messages, other bots, subtypes it does not handle, and agents talking in an intake channel', async () => {
    await desk.slack.event({
      type: 'message',
      user: desk.fake.botUserId,
      text: 'a relayed copy',
      channel: dmOf('UREQA011'),
      channel_type: 'im',
      ts: '1800000001.000100',
    });
    await desk.slack.event({
      type: 'message',
      subtype: 'bot_message',
      bot_id: 'BOTHER01',
      text: 'another bot',
      channel: dmOf('UREQA011'),
      channel_type: 'im',
      ts: '1800000001.000200',
    });
    await desk.slack.event({
      type: 'message',
      subtype: 'channel_join',
      user: 'UREQA011',
      text: 'joined',
      channel: channels.billingIntake,
      channel_type: 'channel',
      ts: '1800000001.000300',
    });
    await desk.slack.message(people.ben, 'I can look at that', { channel: channels.billingIntake });
    await desk.settled();
    expect(await desk.store.chats.openOf('UREQA011')).toBeNull();
    expect(await desk.store.chats.openOf(desk.fake.botUserId)).toBeNull();
    expect(await desk.store.chats.openOf(people.ben)).toBeNull();
    expect(desk.fake.okCalls('chat.postMessage')).toHaveLength(0);
  });

  it('refuses an over-long first message clearly and opens nothing; operator-looking text stays text', async () => {
    await desk.slack.message('UREQA012', 'x'.repeat(10_001));
    await desk.settled();
    expect(await desk.store.chats.openOf('UREQA012')).toBeNull();
    expect(steps.botMessages(dmOf('UREQA012')).at(-1)!.text).toContain('at most 10000 characters');
    const chat = await steps.startByDm('UREQA012', '{"$gt":""}');
    expect((await desk.store.tickets.get(chat.ticketNumber))!.description).toBe('{"$gt":""}');
  });

  it('two first messages at once make one chat: the extra ticket folds into it', async () => {
    await Promise.all([desk.slack.message('UREQA013', 'Hello?'), desk.slack.message('UREQA013', 'Anyone there?')]);
    await desk.settled();
    const tickets = await desk.store.models.Ticket.find({ 'requester.userId': 'UREQA013' }).lean();
    const chat = (await desk.store.chats.openOf('UREQA013'))!;
    const others = tickets.filter((ticket) => ticket.number !== chat.ticketNumber);
    expect(others.every((ticket) => ticket.mergedInto === chat.ticketNumber && ticket.status === 'closed')).toBe(true);
    const words = [
      (await desk.store.tickets.get(chat.ticketNumber))!.description,
      ...(await desk.store.tickets.comments(chat.ticketNumber)).map((comment) => comment.text),
    ];
    expect(words.sort()).toEqual(['Anyone there?', 'Hello?']);
  });

  it('a reply in a chat nobody accepted yet is kept as a note and its writer told; old relays are forgotten', async () => {
    await steps.status(people.ana, 'online');
    const chat = await steps.startByDm('UREQA014', 'Waiting here');
    await steps.replyInThread(people.ben, chat, 'Let me check');
    expect(desk.fake.okCalls('chat.postEphemeral').at(-1)!.args.text).toContain('Nobody has accepted this chat yet');
    expect(
      (await desk.store.tickets.comments(chat.ticketNumber, { kinds: ['chat-note'] })).map((comment) => comment.text),
    ).toEqual(['Let me check']);

    await desk.slack.message('UREQA014', 'typo hre');
    await desk.settled();
    desk.clock.advance(31 * 24 * 60 * 60_000);
    expect(await forgetOldRelays(desk.deskbolt.desk)).toBeGreaterThanOrEqual(1);
    expect(
      await desk.store.models.Ticket.db
        .collection('relayed_messages')
        .countDocuments({ ticketNumber: chat.ticketNumber }),
    ).toBe(0);
  });
});
