import { beforeAll, describe, expect, it } from 'vitest';
import { actionIds, callbackIds } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { subcommands } from '../src/slack/listeners/commands.js';
import { useTestDesk } from './support/use-test-desk.js';
import { channels, people } from './support/workspace.js';

/** A ticket comes in from Slack and an agent takes it: the whole path through signed HTTP requests. */
describe('tickets from Slack', () => {
  const desk = useTestDesk();
  beforeAll(async () => {
    desk.fake.addUser({ id: people.customer, name: 'carla', realName: 'Carla Customer' });
  });

  async function fileByModal(user: string, answers: Record<string, unknown>) {
    const opened = await desk.slack.command(user, '/ticket', 'new');
    expect(opened.status).toBe(200);
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.args.view;
    const submitted = await desk.slack.viewSubmission(user, {
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, answers),
    });
    await desk.settled();
    return { view, submitted };
  }

  /** Files a ticket through the form, as an agent would, and returns it (each test files its own). */
  async function fileOne(subject: string) {
    await fileByModal(people.ana, { requester: people.customer, subject, group: '10', priority: 'normal' });
    const filed = await desk.store.models.Ticket.findOne({ subject }).lean();
    expect(filed, `a ticket “${subject}” was filed`).not.toBeNull();
    return filed!.number;
  }

  it('`/ticket new` opens the form, and submitting it files a numbered ticket announced to the group', async () => {
    const before = await desk.store.models.Ticket.countDocuments();
    const { view, submitted } = await fileByModal(people.ana, {
      requester: people.customer,
      subject: 'Card charged twice',
      description: 'Saw two charges.',
      group: '10',
      priority: 'high',
    });
    expect(view.title.text).toBe('New ticket');
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBe('');

    expect(await desk.store.models.Ticket.countDocuments()).toBe(before + 1);
    const number = (await desk.store.models.Ticket.findOne({ subject: 'Card charged twice' }).lean())!.number;
    expect(number).toBeGreaterThanOrEqual(1001);
    const ticket = await desk.store.tickets.get(number);
    expect(ticket).toMatchObject({
      number,
      subject: 'Card charged twice',
      status: 'new',
      assignee: null,
      groupId: 10,
      priority: 'high',
    });
    expect(ticket!.requester).toEqual({ kind: 'slack', userId: people.customer });

    // The ticket's live message in its group's channel: what it is, and Take it.
    const alert = desk.fake.okCalls('chat.postMessage').find((call) => call.args.channel === channels.billingAlerts)!;
    expect(alert.args.text).toBe(`#${number} Card charged twice · new · unassigned`);
    expect(JSON.stringify(alert.args.blocks)).toContain(actionIds.take);
    const receipt = desk.fake.dmsTo(people.customer)[0]!;
    expect(receipt.args.text).toContain(`#${number}`);
    expect((await desk.store.tickets.history(number)).map((event) => event.action)).toEqual(['created']);
  });

  it('shows a missing subject on the modal’s own field and saves nothing', async () => {
    const before = await desk.store.models.Ticket.countDocuments();
    const { submitted } = await fileByModal(people.ana, {
      requester: people.customer,
      subject: '   ',
      group: '10',
      priority: 'normal',
    });
    expect(submitted.json).toEqual({ response_action: 'errors', errors: { subject: 'A subject is required' } });
    expect(await desk.store.models.Ticket.countDocuments()).toBe(before);
  });

  it('keeps a Mongo operator typed as text as plain text', async () => {
    await fileByModal(people.ana, {
      requester: people.customer,
      subject: '{"$gt":""}',
      description: '{"$where":"sleep(1000)"}',
      group: '10',
      priority: 'normal',
    });
    const filed = await desk.store.models.Ticket.findOne({ subject: '{"$gt":""}' }).lean();
    expect(filed?.description).toBe('{"$where":"sleep(1000)"}');
  });

  it('files any Slack message as a ticket with the message shortcut, keeping its permalink', async () => {
    const shortcut = await desk.slack.messageShortcut(people.ben, 'create_ticket', {
      ts: '1700000000.000200',
      text: 'VPN drops every hour\nsince Monday',
      user: people.customer,
      channel: 'C0GENERAL',
    });
    expect(shortcut.status).toBe(200);
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.args.view;
    expect(view.callback_id).toBe(callbackIds.createFromMessage);
    const state = viewStateFrom(view, { group: '10' });
    expect(state.values.subject!.subject.value).toBe('VPN drops every hour');
    await desk.slack.viewSubmission(people.ben, {
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state,
    });
    await desk.settled();
    const filed = await desk.store.models.Ticket.findOne({ subject: 'VPN drops every hour' }).lean();
    expect(filed?.source).toMatchObject({
      kind: 'message-shortcut',
      channelId: 'C0GENERAL',
      permalink: expect.stringContaining('/archives/C0GENERAL/p1700000000000200'),
    });
    expect(filed?.description).toBe('VPN drops every hour\nsince Monday');
  });

  it('refuses an agent-only command to someone who is not an agent, politely', async () => {
    const number = await fileOne('Not for outsiders');
    await desk.slack.command(people.outsider, '/ticket', `take ${number}`);
    await desk.settled();
    const answer = desk.fake.responses().at(-1)!;
    expect(answer.body.text).toContain('only support agents can work tickets');
    expect((await desk.store.tickets.get(number))!.assignee).toBeNull();
  });

  it('the router refuses every agents-only subcommand to someone who is not an agent before it runs, and answers nothing else', async () => {
    const number = await fileOne('Not for outsiders either');
    const agentsOnly = [...subcommands].filter(([, subcommand]) => subcommand.agentsOnly);
    expect(agentsOnly.length).toBeGreaterThan(20);
    for (const [word, subcommand] of agentsOnly) {
      desk.fake.clearCalls();
      await desk.slack.command(people.outsider, '/ticket', `${word} ${number}`);
      await desk.settled();
      const said = desk.fake.responses().map((response) => String(response.body.text));
      const expected =
        subcommand.agentsOnly === true
          ? 'only support agents can work tickets'
          : `Only support agents can ${subcommand.agentsOnly}.`;
      expect(said, word).toEqual([expect.stringContaining(expected)]);
      // Nothing opened, posted or published: the refusal is the whole answer.
      expect(
        desk.fake.okCalls().map((call) => call.method),
        word,
      ).toEqual([]);
    }
    expect((await desk.store.tickets.get(number))!).toMatchObject({ assignee: null, status: 'new', version: 1 });
    // What anyone may do still runs: help lists only it, and the form opens.
    await desk.slack.command(people.outsider, '/ticket', 'help');
    await desk.settled();
    expect(JSON.stringify(desk.fake.responses().at(-1)!.body)).not.toContain('take N');
    await desk.slack.command(people.outsider, '/ticket', 'new');
    await desk.settled();
    expect(desk.fake.okCalls('views.open')).toHaveLength(1);
  });

  it('lists the queue in its order (urgent and high first, then oldest), and "Take it" gives the ticket to the agent and updates the alert', async () => {
    const older = await fileOne('Queue: the older one');
    const newer = await fileOne('Queue: the newer one');
    await desk.slack.command(people.ana, '/ticket', 'queue');
    await desk.settled();
    const queue = desk.fake.responses().at(-1)!.body;
    const numbers = [...JSON.stringify(queue.blocks).matchAll(/\*#(\d+)\*/g)].map((match) => Number(match[1]));
    expect(numbers).toEqual(expect.arrayContaining([older, newer]));
    // Of two tickets of one priority the older comes first; the file's other tests may leave urgent ones ahead of both.
    expect(numbers.indexOf(older)).toBeLessThan(numbers.indexOf(newer));

    await desk.slack.blockAction(people.ana, { action_id: actionIds.take, value: String(older) });
    await desk.settled();
    expect(desk.fake.responses().at(-1)!.body.text).toBe(`You took #${older}.`);
    expect(await desk.store.tickets.get(older)).toMatchObject({ assignee: people.ana, status: 'open' });
    const update = desk.fake.okCalls('chat.update').at(-1)!;
    expect(update.args.channel).toBe(channels.billingAlerts);
    expect(JSON.stringify(update.args.blocks)).toContain(`with <@${people.ana}>`);
    expect(JSON.stringify(update.args.blocks)).not.toContain(actionIds.take);
    // Its thread says who took it.
    const live = update.args.ts;
    expect(
      desk.fake
        .messages(channels.billingAlerts)
        .some((message) => message.threadTs === live && message.text === `:raising_hand: Taken by <@${people.ana}>`),
    ).toBe(true);

    await desk.slack.command(people.ben, '/ticket', `take #${older}`);
    await desk.settled();
    expect(desk.fake.responses().at(-1)!.body.text).toBe(`#${older} was taken by <@${people.ana}> a moment ago.`);
  });

  it('answers a wrong ticket number clearly and changes nothing', async () => {
    await desk.slack.command(people.ana, '/ticket', 'take 99999');
    await desk.settled();
    expect(desk.fake.responses().at(-1)!.body.text).toBe('There is no ticket #99999.');
    await desk.slack.command(people.ana, '/ticket', 'show abc');
    await desk.settled();
    expect(desk.fake.responses().at(-1)!.body.text).toContain('“abc” is not a ticket number');
  });

  it('`/ticket mine` lists the agent’s working tickets and `/ticket show` the card', async () => {
    const number = await fileOne('Mine to work on');
    await desk.slack.command(people.ana, '/ticket', `take ${number}`);
    await desk.settled();
    await desk.slack.command(people.ana, '/ticket', 'mine');
    await desk.settled();
    expect(JSON.stringify(desk.fake.responses().at(-1)!.body.blocks)).toContain(`#${number}`);
    await desk.slack.command(people.ana, '/ticket', `show ${number}`);
    await desk.settled();
    const card = desk.fake.responses().at(-1)!.body;
    expect(card.blocks[0]).toMatchObject({ type: 'header', text: { text: `#${number} Mine to work on` } });
  });

  it('refuses a forged signature and a stale timestamp, acting on neither', async () => {
    const body = new URLSearchParams({
      command: '/ticket',
      text: 'next',
      user_id: people.ana,
      team_id: 'T0TEST',
      channel_id: 'C0GENERAL',
      response_url: desk.fake.responseUrl(),
      trigger_id: desk.fake.triggerId(),
    }).toString();
    const now = Math.floor(Date.now() / 1000);
    const forged = await desk.slack.raw(body, {
      ...desk.slack.sign(body, now),
      'x-slack-signature': `v0=${'0'.repeat(64)}`,
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(forged.status).toBe(401);
    const stale = await desk.slack.raw(body, {
      ...desk.slack.sign(body, now - 60 * 10),
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(stale.status).toBe(401);
    await desk.settled();
    expect(desk.fake.responses()).toHaveLength(0);
  });
});
