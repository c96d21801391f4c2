import { beforeAll, describe, expect, it } from 'vitest';
import { actionIds, replyFields } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { chatSteps } from './support/chats.js';
import { fileTicket } from './support/desk.js';
import type { SlackMode } from './support/harness.js';
import { useTestDesk } from './support/use-test-desk.js';
import { channels, people } from './support/workspace.js';

/**
 * The same flows, word for word, whether Slack reaches deskbolt by signed HTTP POSTs or by Socket
 * Mode envelopes: one listener set serves both receivers.
 */
describe.each<SlackMode>(['http', 'socket'])('core flows over %s', (mode) => {
  let steps: ReturnType<typeof chatSteps>;
  const desk = useTestDesk({ mode });
  beforeAll(async () => {
    desk.fake.addUser({ id: people.customer, name: 'carla', realName: 'Carla Customer' });
    steps = chatSteps(desk);
  });

  const file = () => fileTicket({ ...desk.deskbolt.desk, testClock: desk.clock });

  it('`/ticket new` opens the form; submitting it files a ticket announced to its group', async () => {
    const opened = await desk.slack.command(people.ana, '/ticket', 'new');
    expect(opened).toMatchObject({ status: 200, body: '' });
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.args.view;
    const answers = {
      requester: people.customer,
      subject: 'Card charged twice',
      description: 'Two charges.',
      group: '10',
      priority: 'high',
    };
    const submitted = await desk.slack.viewSubmission(people.ana, {
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, answers),
    });
    await desk.settled();
    expect(submitted).toMatchObject({ status: 200, body: '' });

    const filed = await desk.store.models.Ticket.findOne({ subject: 'Card charged twice' }).lean();
    expect(filed).toMatchObject({
      status: 'new',
      assignee: null,
      groupId: 10,
      priority: 'high',
      requester: { kind: 'slack', userId: people.customer },
    });
    const alert = desk.fake.okCalls('chat.postMessage').find((call) => call.args.channel === channels.billingAlerts)!;
    expect(alert.args.text).toBe(`#${filed!.number} Card charged twice · new · unassigned`);
  });

  it('two agents pressing Take it at once: one owner, and the other is told who has it', async () => {
    const ticket = await file();
    const take = (agent: string) =>
      desk.slack.blockAction(
        agent,
        { action_id: actionIds.take, value: String(ticket.number) },
        { channel: channels.billingAlerts, message: { ts: '1700000000.000300' } },
      );
    const answers = await Promise.all([take(people.ana), take(people.ben)]);
    await desk.settled();
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);

    const owner = (await desk.store.tickets.get(ticket.number))!.assignee;
    expect([people.ana, people.ben]).toContain(owner);
    expect((await desk.store.tickets.history(ticket.number)).filter((event) => event.action === 'taken')).toHaveLength(
      1,
    );
    expect(
      desk.fake
        .responses()
        .map((response) => response.body.text)
        .sort(),
    ).toEqual([`You took #${ticket.number}.`, `#${ticket.number} was taken by <@${owner}> a moment ago.`].sort());
  });

  it('the reply form answers a missing field on the field itself (the ack carries the errors) and saves nothing', async () => {
    const ticket = await file();
    await desk.slack.blockAction(people.ana, { action_id: actionIds.reply, value: String(ticket.number) });
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.response.view;
    const submit = (answers: Record<string, unknown>) =>
      desk.slack.viewSubmission(people.ana, {
        id: view.id,
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        state: viewStateFrom(view, answers),
      });

    const refused = await submit({ [replyFields.text]: 'Refunded', [replyFields.status]: 'solved' });
    await desk.settled();
    expect(refused.json).toEqual({
      response_action: 'errors',
      errors: { [`${replyFields.category}__1`]: 'A category is needed to solve the ticket.' },
    });
    expect(refused.problems ?? []).toEqual([]);
    expect(await desk.store.tickets.get(ticket.number)).toMatchObject({ status: 'new', version: ticket.version });
    expect(await desk.store.tickets.comments(ticket.number)).toHaveLength(0);

    const done = await submit({
      [replyFields.text]: 'Refunded today.',
      [replyFields.status]: 'solved',
      [replyFields.category]: 'Payments',
      [replyFields.subcategory]: 'Refund',
    });
    await desk.settled();
    expect(done).toMatchObject({ status: 200, body: '' });
    expect(await desk.store.tickets.get(ticket.number)).toMatchObject({ status: 'solved' });
  });

  it('a chat: started by a DM, relayed both ways, transferred only when the other agent accepts', async () => {
    const requester = mode === 'http' ? 'UREQH001' : 'UREQS001';
    await steps.status(people.ben, 'online');
    const chat = await steps.liveChat(requester, people.ana, 'My card was charged twice');
    await steps.replyInThread(people.ana, chat, 'Looking into it');
    expect(steps.botMessages(chat.requesterDm).at(-1)!.text).toBe('*Ana:* Looking into it');
    await desk.slack.message(requester, 'Thanks!');
    await desk.settled();
    expect(steps.threadMessages(chat).at(-1)!.text).toBe(':bust_in_silhouette: *Requester:* Thanks!');

    await desk.slack.command(people.ana, '/ticket', `transfer ${chat.ticketNumber} @ben`);
    await desk.settled();
    const request = (await desk.store.chats.openTransferOf(chat.ticketNumber))!;
    expect((await desk.store.chats.get(chat.ticketNumber))!.agent).toBe(people.ana);
    const offer = steps
      .botMessages(desk.fake.dmChannelOf(people.ben))
      .find((message) => JSON.stringify(message.blocks ?? []).includes(request.id))!;
    await desk.slack.blockAction(
      people.ben,
      { action_id: actionIds.acceptTransfer, value: request.id },
      { channel: offer.channel, message: { ts: offer.ts } },
    );
    await desk.settled();
    expect((await desk.store.chats.get(chat.ticketNumber))!.agent).toBe(people.ben);
    expect((await desk.store.tickets.get(chat.ticketNumber))!.assignee).toBe(people.ben);

    await steps.replyInThread(people.ben, chat, 'Ben here, taking over');
    expect(steps.botMessages(chat.requesterDm).at(-1)!.text).toBe('*Ben:* Ben here, taking over');
  });

  it('opening the App Home publishes it', async () => {
    const opened = await desk.slack.event({ type: 'app_home_opened', user: people.lead, tab: 'home' });
    expect(opened.status).toBe(200);
    await desk.settled();
    const published = desk.fake.okCalls('views.publish').filter((call) => call.args.user_id === people.lead);
    expect(published).toHaveLength(1);
    expect(desk.fake.homeView(people.lead)!.type).toBe('home');
  });
});
