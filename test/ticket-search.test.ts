import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { actionIds, replyFields } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import type { Ticket } from '../src/tickets/types.js';
import { changeTicket, fileTicket } from './support/desk.js';
import { useTestDesk } from './support/use-test-desk.js';
import { people } from './support/workspace.js';

/** Finding tickets from Slack: words anywhere in a ticket and its comments, filters, pages; bad input answered, never run. */
describe('searching tickets', () => {
  let tickets: Record<'refund' | 'vat' | 'login' | 'payops' | 'old', Ticket>;
  const desk = useTestDesk();
  beforeAll(async () => {
    const file = (overrides: Parameters<typeof fileTicket>[1]) => fileTicket(desk.deskbolt.desk, overrides);
    const old = await file({ subject: 'Old refund from last month', description: 'A refund that took long' });
    desk.clock.advance(10 * 24 * 60 * 60_000);
    tickets = {
      old,
      refund: await file({ subject: 'Refund for order 88', description: 'The partial refund never arrived' }),
      vat: await file({
        subject: 'Wrong VAT on invoice',
        requester: { kind: 'email', email: 'val@exmaple.com', name: 'Val' },
        priority: 'high',
      }),
      login: await file({ subject: 'Cannot log in', description: 'Password reset mail missing' }),
      payops: await file({ subject: 'Gateway timeout', groupId: 20 }),
    };
    const lead = desk.deskbolt.desk;
    await lead.store.tickets.addComment(
      tickets.login.number,
      'internal',
      { kind: 'agent', id: people.ana },
      'Checked the mail server: SPF record broken',
      desk.clock.now(),
    );
    await lead.store.tickets.addComment(
      tickets.vat.number,
      'public',
      { kind: 'requester', id: 'val@exmaple.com' },
      'My VAT number is DE123, the refund should follow',
      desk.clock.now(),
    );
    await desk.slack.command(people.ana, '/ticket', `take ${tickets.refund.number}`);
    await desk.slack.command(people.ben, '/ticket', `tag ${tickets.refund.number} refund vip`);
    await desk.settled();
    await changeTicket(
      lead,
      tickets.vat.number,
      {},
      { status: 'pending', pendingSince: desk.clock.now(), assignee: people.ben },
      [],
      desk.clock.now(),
    );
    // The address was wrong: corrected, the old one still finds it.
    await changeTicket(
      lead,
      tickets.vat.number,
      {},
      { requester: { kind: 'email', email: 'val@example.com', name: 'Val', previousEmails: ['val@exmaple.com'] } },
      [],
      desk.clock.now(),
    );
  });

  async function search(user: string, text: string) {
    await desk.slack.command(user, '/ticket', `search ${text}`);
    await desk.settled();
    const answer = desk.fake.responses().at(-1)!.body;
    return {
      text: String(answer.text),
      blocks: JSON.stringify(answer.blocks ?? []),
      numbers: [...JSON.stringify(answer.blocks ?? []).matchAll(/\*#(\d+)\*/g)].map((m) => Number(m[1])),
    };
  }

  it('finds words in the subject, the description and the comments (internal notes too), all words at once', async () => {
    expect((await search(people.cho, 'refund')).numbers).toEqual([
      tickets.vat.number,
      tickets.refund.number,
      tickets.old.number,
    ]);
    expect((await search(people.cho, 'partial REFUND')).numbers).toEqual([tickets.refund.number]);
    expect((await search(people.cho, 'SPF')).numbers).toEqual([tickets.login.number]);
    expect((await search(people.cho, 'refund order:oldest')).numbers).toEqual([
      tickets.old.number,
      tickets.refund.number,
      tickets.vat.number,
    ]);
    const found = await search(people.cho, 'refund');
    expect(found.blocks).toContain(actionIds.show);
    expect(found.blocks).toContain('newest first');
  });

  it('finds a number, an email requester by their address or an old one, and a Slack requester', async () => {
    expect((await search(people.cho, `#${tickets.payops.number}`)).numbers).toEqual([tickets.payops.number]);
    expect((await search(people.cho, 'val@example.com')).numbers).toEqual([tickets.vat.number]);
    expect((await search(people.cho, 'val@exmaple.com')).numbers).toEqual([tickets.vat.number]);
    expect((await search(people.cho, `requester:<@${people.customer}|customer> status:new,open`)).numbers).toEqual([
      tickets.payops.number,
      tickets.login.number,
      tickets.refund.number,
      tickets.old.number,
    ]);
  });

  it('filters by status, group, assignee, tag and creation date', async () => {
    expect((await search(people.cho, 'status:pending')).numbers).toEqual([tickets.vat.number]);
    expect((await search(people.cho, 'group:PayOps')).numbers).toEqual([tickets.payops.number]);
    expect((await search(people.ana, 'assignee:me')).numbers).toEqual([tickets.refund.number]);
    expect((await search(people.cho, 'assignee:Ben')).numbers).toEqual([tickets.vat.number]);
    expect((await search(people.cho, 'tag:vip')).numbers).toEqual([tickets.refund.number]);
    expect((await search(people.cho, 'refund since:2d')).numbers).toEqual([tickets.vat.number, tickets.refund.number]);
    expect((await search(people.cho, 'assignee:none group:Billing since:2026-11-10')).numbers).toEqual([
      tickets.login.number,
    ]);
  });

  it('pages with Next, in the same message', async () => {
    const lead = desk.deskbolt.desk;
    const many: number[] = [];
    for (let i = 0; i < 12; i++) many.push((await fileTicket(lead, { subject: `Printer jam ${i}` })).number);
    // The other tests search the tickets filed before them: these leave with this test, whatever the order.
    onTestFinished(async () => {
      await desk.store.models.Ticket.collection.deleteMany({ number: { $in: many } });
    });
    const first = await search(people.cho, 'printer');
    expect(first.numbers).toEqual(many.slice(2).reverse());
    const next = JSON.parse(first.blocks).find((block: any) => block.type === 'actions').elements[0];
    expect(next.action_id).toBe(actionIds.searchMore);
    await desk.slack.blockAction(people.cho, { action_id: actionIds.searchMore, value: next.value });
    await desk.settled();
    const page2 = desk.fake.responses().at(-1)!.body;
    expect(page2.replace_original).toBe(true);
    expect([...JSON.stringify(page2.blocks).matchAll(/\*#(\d+)\*/g)].map((m) => Number(m[1]))).toEqual([
      many[1],
      many[0],
    ]);
    expect(JSON.stringify(page2.blocks)).not.toContain(actionIds.searchMore);
  });

  it('answers bad input clearly and runs nothing: operators are text, long queries and unknown values refused', async () => {
    expect((await search(people.cho, '{"$where":"sleep(1000)"}')).text).toContain('0 found');
    expect((await search(people.cho, '.*')).numbers).toEqual([]);
    expect((await search(people.cho, 'x'.repeat(10_000))).text).toBe('Search for at most 200 characters.');
    expect((await search(people.cho, 'status:{"$ne":1}')).text).toContain('is not a status');
    expect((await search(people.cho, 'since:yesterday')).text).toContain('is not a date');
    expect((await search(people.cho, 'group:Nowhere')).text).toContain('There is no group “Nowhere”');
    expect((await search(people.cho, 'tag:<!here>')).text).toContain('is not a tag');
    expect((await search(people.cho, 'a b c d e f g h i j k')).text).toBe(
      'Search for at most 10 words at once; filters narrow it further.',
    );
    expect((await search(people.customer, 'refund')).text).toBe('Only support agents can search tickets.');
    await desk.slack.blockAction(people.cho, {
      action_id: actionIds.searchMore,
      value: JSON.stringify({ q: 'refund', after: '{"$gt":0}', page: 1 }),
    });
    await desk.settled();
    expect(String(desk.fake.responses().at(-1)!.body.text)).toContain('page marker is not one of ours');
  });

  it('the App Home box takes the same searches', async () => {
    await desk.slack.event({ type: 'app_home_opened', user: people.cho, tab: 'home' });
    await desk.settled();
    const view = desk.fake.homeView(people.cho);
    await desk.slack.blockAction(people.cho, { action_id: actionIds.homeSearch, value: 'SPF record' }, { view });
    await desk.settled();
    const home = JSON.stringify(desk.fake.okCalls('views.publish').at(-1)!.args.view.blocks);
    expect(home).toContain(`*#${tickets.login.number}* Cannot log in`);
    expect(home).toContain(actionIds.homeOpen);
  });

  it('`/ticket problems N` lists open problems, each with Link for the ticket at hand', async () => {
    const lead = desk.deskbolt.desk;
    const problem = await fileTicket(lead, { subject: 'Mail server outage' });
    onTestFinished(async () => {
      await desk.store.models.Ticket.collection.deleteOne({ number: problem.number });
      await changeTicket(lead, tickets.login.number, {}, { problemOf: null }, [], desk.clock.now());
    });
    await desk.slack.command(people.ana, '/ticket', `problem ${problem.number}`);
    await desk.settled();
    await desk.slack.command(people.ana, '/ticket', `problems ${tickets.login.number}`);
    await desk.settled();
    const list = JSON.stringify(desk.fake.responses().at(-1)!.body.blocks);
    expect(list).toContain(`*#${problem.number}* Mail server outage`);
    expect(list).toContain(`${tickets.login.number}:${problem.number}`);
    await desk.slack.blockAction(people.ana, {
      action_id: actionIds.linkToProblem,
      value: `${tickets.login.number}:${problem.number}`,
    });
    await desk.settled();
    expect(String(desk.fake.responses().at(-1)!.body.text)).toBe(
      `#${tickets.login.number} is now an incident of problem #${problem.number}. Solving #${problem.number} solves it too.`,
    );
    expect((await desk.store.tickets.get(tickets.login.number))!.problemOf).toBe(problem.number);
  });

  it('the reply form’s knowledge-base search loads articles as the agent types; a pick shows its title and summary, Link adds title and link to the text', async () => {
    await desk.slack.blockAction(people.ana, { action_id: actionIds.reply, value: String(tickets.login.number) });
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.response.view;
    const typed = await desk.slack.blockSuggestion(
      people.ana,
      { action_id: replyFields.kbSearch, value: 'reset pass' },
      { view },
    );
    expect(typed.problems ?? []).toEqual([]);
    expect(typed.json).toEqual({
      options: [
        {
          text: { type: 'plain_text', text: 'Resetting your password', emoji: true },
          value: 'f:resetting your password',
        },
      ],
    });
    expect(
      (await desk.slack.blockSuggestion(people.ana, { action_id: replyFields.kbSearch, value: 'zz' }, { view })).json,
    ).toEqual({ options: [] });

    const filled = { ...view, state: viewStateFrom(view, { [replyFields.text]: 'Please try this:' }) };
    await desk.slack.blockAction(
      people.ana,
      { action_id: replyFields.kbSearch, selected_option: typed.json.options[0] },
      { view: filled },
    );
    await desk.settled();
    // The pick is previewed, not linked yet: the text is as the agent left it.
    const previewed = desk.fake.okCalls('views.update').at(-1)!.response.view;
    expect(viewStateFrom(previewed, {}).values[`${replyFields.text}__2`]![replyFields.text].value).toBe(
      'Please try this:',
    );
    const preview = previewed.blocks.find((block: any) => block.block_id === 'reply_kb_preview');
    expect(preview.text.text).toBe(
      '<https://help.example.com/reset|Resetting your password>\nUse *Forgot password* &amp; check mail &lt;!channel&gt;',
    );

    await desk.slack.blockAction(
      people.ana,
      { action_id: replyFields.linkArticle, value: preview.accessory.value },
      { view: { ...previewed, state: viewStateFrom(previewed, {}) } },
    );
    await desk.settled();
    const linked = desk.fake.okCalls('views.update').at(-1)!.response.view;
    expect(viewStateFrom(linked, {}).values[`${replyFields.text}__3`]![replyFields.text].value).toBe(
      'Please try this:\n\nResetting your password: https://help.example.com/reset',
    );
  });
});
