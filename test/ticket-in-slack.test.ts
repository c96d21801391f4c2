import { describe, expect, it } from 'vitest';
import { actionIds, callbackIds, newTicketFields, replyFields } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { deskStats, periodWindow } from '../src/tickets/stats.js';
import type { Ticket } from '../src/tickets/types.js';
import { chatSteps } from './support/chats.js';
import { useTestDesk } from './support/use-test-desk.js';
import { channels, people, testWorkspace } from './support/workspace.js';

/**
 * A ticket lives in Slack: one live message in its group's channel, updated in place; the requester's
 * receipt is their thread of it; an agent works a whole day from these, never typing a number.
 */
describe('a ticket lives in Slack', () => {
  const desk = useTestDesk({
    workspace: testWorkspace({
      chat: {
        defaultGroup: 10,
        topics: [
          { label: 'Billing question', group: 10 },
          { label: 'A payment failed', group: 20 },
        ],
      },
      macros: [{ name: 'Refund issued', text: 'We have issued a refund.', public: false }],
    }),
  });

  const steps = () => chatSteps(desk);
  const fullForm = {
    [replyFields.rootCause]: 'Card declined',
    [replyFields.category]: 'Payments',
    [replyFields.subcategory]: 'Refund',
  };

  /** A requester files a ticket from the modal themselves: their receipt opens their thread of it. */
  async function filedBy(requester: string, subject: string): Promise<Ticket> {
    await desk.slack.command(requester, '/ticket', `new ${subject}`);
    await desk.settled();
    const form = desk.fake.okCalls('views.open').at(-1)!.response.view;
    await desk.slack.viewSubmission(requester, {
      callback_id: form.callback_id,
      private_metadata: form.private_metadata,
      state: viewStateFrom(form, { [newTicketFields.group]: '10' }),
    });
    await desk.settled();
    const tickets = await desk.store.tickets.ofRequester({ kind: 'slack', userId: requester }, 20);
    return tickets.find((ticket) => ticket.subject === subject)!;
  }

  const liveMessageOf = async (number: number) => (await desk.store.tickets.placesOf(number)).live!;
  const threadOf = (channel: string, ts: string) =>
    desk.fake.messages(channel).filter((message) => message.threadTs === ts);
  const receiptOf = (requester: string, number: number) =>
    desk.fake
      .messages(desk.fake.dmChannelOf(requester))
      .find((message) => message.text?.startsWith(`We received your request #${number}`))!;

  /** The modal the last views.open opened, as Slack holds it (with its id and hash). */
  const lastOpened = () => desk.fake.view(desk.fake.okCalls('views.open').at(-1)!.response.view.id)!;

  async function openReply(agent: string, number: number, actionId: string = actionIds.reply) {
    await desk.slack.blockAction(agent, { action_id: actionId, value: String(number) });
    await desk.settled();
    return lastOpened();
  }

  async function submit(agent: string, view: any, answers: Record<string, unknown>) {
    const answer = await desk.slack.viewSubmission(agent, {
      id: view.id,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, answers),
    });
    await desk.settled();
    return answer;
  }

  it('the requester’s thread: pending, the requester answers in their thread, the ticket is open again and the team sees it', async () => {
    const ticket = await filedBy('UTHREAD01', 'Refund never arrived');
    await desk.slack.command(people.ana, '/ticket', `take ${ticket.number}`);
    await desk.settled();
    const view = await openReply(people.ana, ticket.number);
    await submit(people.ana, view, {
      [replyFields.text]: 'Which card did you pay with?',
      [replyFields.status]: 'pending',
    });
    expect((await desk.store.tickets.get(ticket.number))!.status).toBe('pending');

    // The agent's question arrives in the requester's thread of the ticket, not as a loose DM.
    const receipt = receiptOf('UTHREAD01', ticket.number);
    const dm = desk.fake.dmChannelOf('UTHREAD01');
    expect(threadOf(dm, receipt.ts).some((message) => message.text?.includes('Which card did you pay with?'))).toBe(
      true,
    );
    // So did the word that an agent took it, threaded under the receipt the take's hand-out read with the ticket.
    expect(
      threadOf(dm, receipt.ts).some((message) =>
        message.text?.includes(`is now working on your request #${ticket.number}`),
      ),
    ).toBe(true);

    await desk.slack.message('UTHREAD01', 'The Visa ending 4242 & the amount was €40', { threadTs: receipt.ts });
    await desk.settled();
    expect(await desk.store.chats.openOf('UTHREAD01')).toBeNull();
    const reopened = (await desk.store.tickets.get(ticket.number))!;
    expect(reopened).toMatchObject({ status: 'open', pendingSince: null });
    expect((await desk.store.tickets.comments(ticket.number)).at(-1)).toMatchObject({
      kind: 'public',
      text: 'The Visa ending 4242 & the amount was €40',
    });

    // The team sees it in the live message's thread (escaped once: & stays &amp; in mrkdwn, shown as &)…
    const live = await liveMessageOf(ticket.number);
    const line = threadOf(live.channel, live.ts).find((message) => message.text?.includes('The Visa ending 4242'))!;
    expect(line.text).toContain('so it is open again');
    expect(line.text).toContain('&amp; the amount');
    // …the assignee is told, and the card shows it.
    expect(desk.fake.dmsTo(people.ana).at(-1)!.args.text).toContain(`wrote again on #${ticket.number}`);
    await desk.slack.command(people.ana, '/ticket', `show ${ticket.number}`);
    await desk.settled();
    expect(JSON.stringify(desk.fake.responses().at(-1)!.body.blocks)).toContain('The Visa ending 4242');
  });

  it('a new DM while the requester has open tickets asks which one; picking one adds the message there', async () => {
    const ticket = await filedBy('UWHICH001', 'Invoice address wrong');
    await desk.slack.message('UWHICH001', 'It should say Rue de la Paix 12');
    await desk.settled();
    const question = steps().botMessages(desk.fake.dmChannelOf('UWHICH001')).at(-1)!;
    expect(question.text).toBe('Is this about one of your open requests?');
    expect(JSON.stringify(question.blocks)).toContain(`#${ticket.number} Invoice address wrong`);
    await steps().answerQuestion('UWHICH001', `#${ticket.number} Invoice address wrong`);
    expect((await desk.store.tickets.comments(ticket.number)).at(-1)).toMatchObject({
      text: 'It should say Rue de la Paix 12',
    });
    expect(desk.fake.responses().at(-1)!.body.text).toBe(`Added to #${ticket.number}. The team sees it there.`);
    expect(await desk.store.chats.openOf('UWHICH001')).toBeNull();
  });

  it('a DM chat goes to the group of the topic the requester picks', async () => {
    await desk.slack.message('UTOPIC001', 'My card payment keeps failing');
    await desk.settled();
    expect(steps().botMessages(desk.fake.dmChannelOf('UTOPIC001')).at(-1)!.text).toBe('What is it about?');
    expect(await desk.store.chats.openOf('UTOPIC001')).toBeNull();
    await steps().answerQuestion('UTOPIC001', 'A payment failed');
    const chat = (await desk.store.chats.openOf('UTOPIC001'))!;
    expect(chat.groupId).toBe(20);
    expect(
      desk.fake
        .messages(channels.payopsAlerts)
        .some((message) => message.text?.startsWith(`Incoming chat #${chat.ticketNumber}`)),
    ).toBe(true);
  });

  it('one live message per ticket, updated in place on take, solve, escalate and merge — never posted twice', async () => {
    const ticket = await filedBy('ULIVE0001', 'Printer jammed');
    const live = await liveMessageOf(ticket.number);
    const posts = () =>
      desk.fake
        .okCalls('chat.postMessage')
        .filter((call) => !call.args.thread_ts && String(call.args.text).startsWith(`#${ticket.number} `));
    expect(posts()).toHaveLength(1);
    await desk.slack.command(people.ben, '/ticket', `take ${ticket.number}`);
    await desk.settled();
    const view = await openReply(people.ben, ticket.number, actionIds.solve);
    await submit(people.ben, view, { [replyFields.text]: 'Cleared the jam.', ...fullForm });
    const updates = desk.fake.okCalls('chat.update').filter((call) => call.args.ts === live.ts);
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.at(-1)!.args.text).toBe(`#${ticket.number} Printer jammed · solved · <@${people.ben}>`);
    expect(posts()).toHaveLength(1);
    const lines = threadOf(live.channel, live.ts).map((message) => message.text);
    expect(lines).toContain(`:raising_hand: Taken by <@${people.ben}>`);
    expect(lines).toContain(`:white_check_mark: Solved by <@${people.ben}>`);

    // Merged: the source's live message says where it went, in place.
    const target = await filedBy('ULIVE0001', 'Printer jammed again');
    const source = await filedBy('ULIVE0001', 'Printer still jammed');
    const sourceLive = await liveMessageOf(source.number);
    await desk.slack.command(people.ben, '/ticket', `merge ${source.number} into ${target.number}`);
    await desk.settled();
    const confirm = desk.fake.okCalls('views.open').at(-1)!.response.view;
    await submit(people.ben, confirm, {});
    const last = desk.fake
      .okCalls('chat.update')
      .filter((call) => call.args.ts === sourceLive.ts)
      .at(-1)!;
    expect(JSON.stringify(last.args.blocks)).toContain(`merged into #${target.number}`);
  });

  it('History pages through 300 events within Block Kit’s limits', async () => {
    const ticket = await filedBy('UHIST0001', 'Busy ticket');
    const now = desk.clock.now();
    // A long-lived ticket's history, written straight into the history: this test is about reading it.
    const events = Array.from({ length: 299 }, (_, i) => ({
      _id: `busy-${i}`,
      ticketNumber: ticket.number,
      actor: { kind: 'agent', id: people.ana },
      action: 'noted',
      to: { n: i },
      at: new Date(now.getTime() + 1 + i),
    }));
    await desk.store.models.Event.collection.insertMany(events as never[]);
    const live = await liveMessageOf(ticket.number);
    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.history, value: `${ticket.number}:0` },
      { channel: live.channel, message: { ts: live.ts } },
    );
    await desk.settled();
    let view = lastOpened();
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(view.blocks)).toContain('300 event(s), 1–40');
    for (let page = 1; page < 8; page++) {
      const newer = view.blocks.at(-1).elements.find((element: any) => element.text.text === 'Newer');
      await desk.slack.blockAction(people.ana, { action_id: newer.action_id, value: newer.value }, { view });
      await desk.settled();
      view = desk.fake.view(view.id)!;
    }
    expect(JSON.stringify(view.blocks)).toContain('281–300');
    expect(desk.fake.calls('views.update').filter((call) => !call.ok)).toEqual([]);
  });

  it('a 4,000-character reply can be read in full from the card', async () => {
    const ticket = await filedBy('ULONG0001', 'Long story');
    const long = `${'The whole story. '.repeat(230)}THE END`;
    const view = await openReply(people.cho, ticket.number, actionIds.note);
    await submit(people.cho, view, { [replyFields.text]: long.slice(0, 3000) });
    await desk.store.tickets.addComment(
      ticket.number,
      'internal',
      { kind: 'agent', id: people.cho },
      long,
      desk.clock.now(),
      { id: 'long-note-1' },
    );
    await desk.slack.command(people.cho, '/ticket', `show ${ticket.number}`);
    await desk.settled();
    const card = desk.fake.responses().at(-1)!.body;
    const button = card.blocks.find((block: any) => block.accessory?.value === 'comment:long-note-1').accessory;
    expect(button.text.text).toBe('Full text');
    await desk.slack.blockAction(people.cho, { action_id: button.action_id, value: button.value });
    await desk.settled();
    const full = desk.fake.okCalls('views.open').at(-1)!.response.view;
    const shown = full.blocks
      .filter((block: any) => block.type === 'section')
      .map((block: any) => block.text.text)
      .join('');
    expect(shown).toBe(long);
  });

  it('End chat asks first; End and solve needs the form, ends the chat and tells the requester once', async () => {
    const chat = await steps().liveChat('UENDSOLVE1', people.ana, 'My refund is missing');
    const parent = desk.fake.messages(chat.thread.channel).find((message) => message.ts === chat.thread.ts)!;
    const end = parent
      .blocks!.flatMap((block: any) => block.elements ?? [])
      .find((element: any) => element.action_id === actionIds.endChat);
    expect(end.confirm).toMatchObject({ title: { text: 'End this chat?' }, confirm: { text: 'End chat' } });

    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.endAndSolve, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
    const form = desk.fake.okCalls('views.open').at(-1)!.response.view;
    expect(form.callback_id).toBe(callbackIds.reply);
    const refused = await submit(people.ana, form, { [replyFields.text]: 'Refund sent today.' });
    expect(refused.json.response_action).toBe('errors');
    expect((await desk.store.chats.get(chat.ticketNumber))!.state).toBe('live');
    await submit(people.ana, form, { [replyFields.text]: 'Refund sent today.', ...fullForm });
    expect((await desk.store.chats.get(chat.ticketNumber))!.state).toBe('ended');
    expect((await desk.store.tickets.get(chat.ticketNumber))!.status).toBe('solved');
    const told = steps()
      .botMessages(chat.requesterDm)
      .filter((message) => /has ended/.test(message.text ?? ''));
    expect(told).toHaveLength(1);
    expect(told[0]!.text).toContain('is solved');
  });

  it('first-contact resolution counts a whole chat as one reply, an email during it included', async () => {
    desk.fake.addUser({ id: 'UFCRMAIL1', name: 'mia', email: 'mia@example.com' });
    const counted = async () =>
      deskStats(desk.deskbolt.desk, periodWindow('week', desk.clock.now()), { agent: people.ben });
    const before = await counted();
    for (const requester of ['UFCRCHAT1', 'UFCRMAIL1']) {
      const chat = await steps().liveChat(requester, people.ben, 'Where is my parcel?');
      await steps().replyInThread(people.ben, chat, 'Let me check.');
      await steps().replyInThread(people.ben, chat, 'It left the warehouse today.');
      if (requester === 'UFCRMAIL1')
        await desk.slack.command(people.ben, '/ticket', `email ${chat.ticketNumber} The tracking number is 123.`);
      await desk.settled();
      const form = await openReply(people.ben, chat.ticketNumber, actionIds.solve);
      await submit(people.ben, form, { [replyFields.text]: '', ...fullForm });
    }
    const after = await counted();
    expect(after.solved - before.solved).toBe(2);
    expect(after.firstContactResolved - before.firstContactResolved).toBe(2);
  });

  it('a macro applied after typing adds to the text, and the form says it made the answer internal', async () => {
    const ticket = await filedBy('UMACRO001', 'Need a refund');
    const view = await openReply(people.ana, ticket.number);
    const found = await desk.slack.blockSuggestion(
      people.ana,
      { action_id: replyFields.macro, value: 'refund' },
      { view },
    );
    await desk.slack.blockAction(
      people.ana,
      { action_id: replyFields.macro, selected_option: found.json.options[0] },
      { view: { ...view, state: viewStateFrom(view, { [replyFields.text]: 'Hi Sam,' }) } },
    );
    await desk.settled();
    const updated = desk.fake.view(desk.fake.okCalls('views.update').at(-1)!.args.view_id)!;
    const state = viewStateFrom(updated, {});
    expect(state.values[`${replyFields.text}__2`]![replyFields.text].value).toBe('Hi Sam,\n\nWe have issued a refund.');
    expect(state.values[`${replyFields.kind}__2`]![replyFields.kind].selected_option.value).toBe('internal');
    expect(JSON.stringify(updated.blocks)).toContain('switched this to an internal note');
  });

  it('the working card everywhere: opened from the App Home it offers the same buttons, and they open on top of it', async () => {
    const ticket = await filedBy('UHOMECARD', 'Cannot log in');
    // Ana's Home lists her open tickets, the one she changed last first.
    await desk.slack.command(people.ana, '/ticket', `take ${ticket.number}`);
    await desk.slack.event({ type: 'app_home_opened', user: people.ana, tab: 'home' });
    await desk.settled();
    const home = desk.fake.homeView(people.ana)!;
    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.homeOpen, value: String(ticket.number) },
      { view: home },
    );
    await desk.settled();
    const modal = desk.fake.okCalls('views.open').at(-1)!.response.view;
    const opened = desk.fake.okCalls('views.open').at(-1)!.response.view;
    const buttons = modal.blocks.flatMap((block: any) => block.elements ?? []).map((element: any) => element.action_id);
    expect(buttons).toEqual(
      expect.arrayContaining([actionIds.reply, actionIds.note, actionIds.solve, actionIds.history]),
    );
    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.reply, value: String(ticket.number) },
      { view: desk.fake.view(opened.id) },
    );
    await desk.settled();
    expect(desk.fake.okCalls('views.push').at(-1)!.args.view.callback_id).toBe(callbackIds.reply);
  });

  it('a ticket filed from a message links the message on the card, the live message and the filer’s receipt', async () => {
    await desk.slack.messageShortcut(people.ana, 'create_ticket', {
      ts: '1700000000.000100',
      text: 'VPN is down for the whole floor',
      user: people.customer,
      channel: 'C0GENERAL',
    });
    await desk.settled();
    const form = desk.fake.okCalls('views.open').at(-1)!.response.view;
    await desk.slack.viewSubmission(people.ana, {
      callback_id: form.callback_id,
      private_metadata: form.private_metadata,
      state: viewStateFrom(form, { [newTicketFields.group]: '10' }),
    });
    await desk.settled();
    const ticket = (await desk.store.tickets.ofRequester({ kind: 'slack', userId: people.customer }, 1))[0]!;
    const permalink = ticket.source.permalink!;
    expect(permalink).toContain('p1700000000000100');
    const live = await liveMessageOf(ticket.number);
    expect(
      JSON.stringify(desk.fake.messages(live.channel).find((message) => message.ts === live.ts)!.blocks),
    ).toContain(permalink);
    expect(desk.fake.dmsTo(people.ana).at(-1)!.args.text).toContain(permalink);
    await desk.slack.command(people.ana, '/ticket', `show ${ticket.number}`);
    await desk.settled();
    expect(JSON.stringify(desk.fake.responses().at(-1)!.body.blocks)).toContain(permalink);
  });
});
