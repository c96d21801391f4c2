import { describe, expect, it } from 'vitest';
import { actionIds, callbackIds, editFields } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import type { Ticket } from '../src/tickets/types.js';
import { fileTicket } from './support/desk.js';
import { useTestDesk } from './support/use-test-desk.js';
import { channels, people } from './support/workspace.js';

/** Correcting a ticket from Slack: each field an event with from → to, tags on the card, bad input refused on its field. */
describe('editing a ticket', () => {
  const desk = useTestDesk();

  const file = (overrides: Parameters<typeof fileTicket>[1] = {}) => fileTicket(desk.deskbolt.desk, overrides);
  const lastAnswer = () => String(desk.fake.responses().at(-1)!.body.text);
  const history = (number: number) => desk.store.tickets.history(number);

  async function openEdit(user: string, ticket: Ticket) {
    await desk.slack.blockAction(user, { action_id: actionIds.edit, value: String(ticket.number) });
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.response.view;
    expect(view.callback_id).toBe(callbackIds.edit);
    return view;
  }

  async function submit(user: string, view: any, answers: Record<string, unknown>) {
    const response = await desk.slack.viewSubmission(user, {
      id: view.id,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, answers),
    });
    await desk.settled();
    return response;
  }

  async function command(user: string, text: string) {
    await desk.slack.command(user, '/ticket', text);
    await desk.settled();
    return lastAnswer();
  }

  it('subject, priority and tags change in one write, each an event with from → to, and the card shows the tags', async () => {
    const ticket = await file();
    const view = await openEdit(people.ana, ticket);
    const state = viewStateFrom(view, {}).values;
    expect(state[editFields.subject]![editFields.subject].value).toBe('Card was charged twice');
    expect(state[editFields.priority]![editFields.priority].selected_option.value).toBe('normal');
    expect(view.blocks.some((block: any) => block.block_id === editFields.requesterEmail)).toBe(false);

    const saved = await submit(people.ana, view, {
      [editFields.subject]: 'Charged twice for order 88',
      [editFields.priority]: 'urgent',
      [editFields.tags]: 'refund, VIP #late',
    });
    expect(saved.body).toBe('');
    const after = (await desk.store.tickets.get(ticket.number))!;
    expect(after).toMatchObject({
      subject: 'Charged twice for order 88',
      priority: 'urgent',
      tags: ['refund', 'vip', 'late'],
      version: ticket.version + 1,
    });
    const events = (await history(ticket.number)).filter((event) => event.action !== 'created');
    expect(events.map((event) => [event.action, event.from, event.to])).toEqual([
      ['subject_changed', { subject: 'Card was charged twice' }, { subject: 'Charged twice for order 88' }],
      ['priority_changed', { priority: 'normal' }, { priority: 'urgent' }],
      ['tags_changed', { tags: [] }, { tags: ['refund', 'vip', 'late'] }],
    ]);
    await command(people.ana, `show ${ticket.number}`);
    expect(JSON.stringify(desk.fake.responses().at(-1)!.body.blocks)).toContain(':label: `refund` `vip` `late`');
    // The ticket's live message shows the tags too, and its thread has a line per change.
    const messages = desk.fake.messages(channels.billingAlerts);
    const live = messages.find((message) => !message.threadTs && message.text?.startsWith(`#${ticket.number} `))!;
    expect(JSON.stringify(live.blocks)).toContain('`refund` `vip` `late`');
    expect(messages.filter((message) => message.threadTs === live.ts).map((message) => message.text)).toEqual([
      `:pencil2: Subject “Card was charged twice” → “Charged twice for order 88” by <@${people.ana}>`,
      `Priority normal → urgent by <@${people.ana}>`,
      `:label: Tags \`refund\` \`vip\` \`late\` by <@${people.ana}>`,
    ]);

    // Saving what is already there is refused, not recorded.
    const again = await submit(people.ana, await openEdit(people.ana, after), {});
    expect(again.json.errors[editFields.subject]).toBe(
      `Nothing to change on #${ticket.number}: every field is as it was.`,
    );
  });

  it('a new subject with markup is stored as typed and shown as text in the live message and its thread', async () => {
    const ticket = await file();
    await submit(people.ana, await openEdit(people.ana, ticket), {
      [editFields.subject]: '<!here> refund & <@U0NOTYOU1>',
    });
    expect((await desk.store.tickets.get(ticket.number))!.subject).toBe('<!here> refund & <@U0NOTYOU1>');
    const messages = desk.fake.messages(channels.billingAlerts);
    const live = messages.find((message) => !message.threadTs && message.text?.startsWith(`#${ticket.number} `))!;
    const line = messages.filter((message) => message.threadTs === live.ts).at(-1)!.text;
    expect(line).toBe(
      `:pencil2: Subject “Card was charged twice” → “&lt;!here&gt; refund &amp; &lt;@U0NOTYOU1&gt;” by <@${people.ana}>`,
    );
    expect(JSON.stringify(live)).not.toContain('<!here>');
  });

  it('an email requester’s address is corrected, and the old one is kept', async () => {
    const ticket = await file({ requester: { kind: 'email', email: 'dana@exmaple.com', name: 'Dana' } });
    const view = await openEdit(people.ben, ticket);
    const refused = await submit(people.ben, view, { [editFields.requesterEmail]: 'not an address' });
    expect(refused.json.errors).toEqual({ [editFields.requesterEmail]: 'Not an email address.' });
    await submit(people.ben, view, {
      [editFields.requesterEmail]: 'dana@example.com',
      [editFields.requesterName]: 'Dana Smith',
    });
    expect((await desk.store.tickets.get(ticket.number))!.requester).toEqual({
      kind: 'email',
      email: 'dana@example.com',
      name: 'Dana Smith',
      previousEmails: ['dana@exmaple.com'],
    });
    const event = (await history(ticket.number)).find((e) => e.action === 'requester_changed')!;
    expect(event).toMatchObject({
      from: { email: 'dana@exmaple.com', name: 'Dana' },
      to: { email: 'dana@example.com', name: 'Dana Smith' },
    });
  });

  it('another group is an escalation: it needs the note, then the ticket moves unassigned and the other team hears', async () => {
    const ticket = await file();
    await command(people.ana, `take ${ticket.number}`);
    const view = await openEdit(people.ana, (await desk.store.tickets.get(ticket.number))!);
    const refused = await submit(people.ana, view, { [editFields.group]: '20' });
    expect(refused.json.errors).toEqual({
      [editFields.note]: 'Moving it to another group is an escalation: write a note for the other team.',
    });
    expect((await desk.store.tickets.get(ticket.number))!.groupId).toBe(10);

    await submit(people.ana, view, {
      [editFields.group]: '20',
      [editFields.note]: 'Gateway captured twice',
      [editFields.priority]: 'high',
    });
    expect(await desk.store.tickets.get(ticket.number)).toMatchObject({
      groupId: 20,
      assignee: null,
      priority: 'high',
    });
    const actions = (await history(ticket.number)).map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(['priority_changed', 'escalated']));
    // The other team hears as the ticket's live message moves to its channel, the note in the thread.
    const moved = desk.fake
      .okCalls('chat.postMessage')
      .find(
        (call) =>
          call.args.channel === channels.payopsAlerts &&
          !call.args.thread_ts &&
          String(call.args.text).startsWith(`#${ticket.number} `),
      )!;
    const line = desk.fake
      .messages(channels.payopsAlerts)
      .find(
        (message) =>
          message.threadTs === moved.response.ts && message.text?.includes('Escalated from Billing to PayOps'),
      );
    expect(line?.text).toContain('Gateway captured twice');
  });

  it('`/ticket tag` and `untag` add and remove words; a long or marked-up tag is refused and nothing changes', async () => {
    const ticket = await file();
    expect(await command(people.ana, `tag ${ticket.number} refund VIP refund`)).toBe(
      `#${ticket.number} is tagged \`refund\` \`vip\`.`,
    );
    expect(await command(people.ben, `tag ${ticket.number} chargeback`)).toBe(
      `#${ticket.number} is tagged \`refund\` \`vip\` \`chargeback\`.`,
    );
    expect(await command(people.ana, `untag ${ticket.number} vip`)).toBe(
      `#${ticket.number} is tagged \`refund\` \`chargeback\`.`,
    );
    const before = (await desk.store.tickets.get(ticket.number))!;

    expect(await command(people.ana, `tag ${ticket.number} ${'x'.repeat(41)}`)).toContain(
      'is longer than 40 characters',
    );
    expect(await command(people.ana, `tag ${ticket.number} <!channel>`)).toBe(
      '“&lt;!channel&gt;” is not a tag: use letters, digits and - _ . + / only, like `refund` or `vip-2024`.',
    );
    expect(await command(people.ana, `tag ${ticket.number} *bold*`)).toContain('is not a tag');
    expect(await command(people.ana, `tag ${ticket.number} {"$gt":""}`)).toContain('is not a tag');
    expect(await command(people.ana, `tag ${ticket.number}`)).toContain('Which tags?');
    expect(await command(people.customer, `tag ${ticket.number} spam`)).toContain('only support agents');
    expect(await desk.store.tickets.get(ticket.number)).toMatchObject({
      tags: ['refund', 'chargeback'],
      version: before.version,
    });
  });

  it('the form refuses a save on a ticket that changed since it opened, and keeps the other agent’s change', async () => {
    const ticket = await file();
    const view = await openEdit(people.ana, ticket);
    await command(people.ben, `tag ${ticket.number} urgent-ish`);
    const refused = await submit(people.ana, view, { [editFields.priority]: 'low' });
    expect(refused.json.errors[editFields.subject]).toContain('changed since you opened it');
    expect(await desk.store.tickets.get(ticket.number)).toMatchObject({ priority: 'normal', tags: ['urgent-ish'] });
  });
});
