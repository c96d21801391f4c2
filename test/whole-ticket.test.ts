import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionIds, callbackIds, escalationFields, newTicketFields, replyFields } from '../blocks/ids.js';
import { percent } from '../blocks/stats.js';
import { endChat } from '../src/chats/chat.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { replyToTicket } from '../src/tickets/reply.js';
import { deskStats, periodWindow } from '../src/tickets/stats.js';
import type { Ticket } from '../src/tickets/types.js';
import { weekFiguresOf } from '../src/tickets/week-figures.js';
import { chatSteps } from './support/chats.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { channels, people, testWorkspace } from './support/workspace.js';

/** Slack's mrkdwn entities read back as the text a person sees. */
const asSeen = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** An agent of Billing who works only the chat whose figures a test reads. */
const fay = 'UFAY0009';

/**
 * The whole ticket, readable from Slack (its Conversation and its History, paged within Block Kit's
 * limits), and every ending said: End and solve to the requester, an escalation to the team it goes
 * to, a reassign of someone who is not an agent to the lead.
 */
describe('the whole ticket', () => {
  let desk: TestDesk;
  beforeAll(async () => {
    const base = testWorkspace();
    desk = await startTestDesk({
      workspace: testWorkspace({ agents: [...base.agents, { user: fay, name: 'Fay', groups: [10], role: 'agent' }] }),
    });
    desk.fake.addUser({ id: people.customer, name: 'carla' });
    desk.fake.addUser({ id: people.ana, name: 'ana' });
    desk.fake.addUser({ id: people.ben, name: 'ben' });
  });
  afterAll(() => desk.close());
  beforeEach(() => desk.fake.clearCalls());

  const steps = () => chatSteps(desk);
  const fullForm = {
    [replyFields.rootCause]: 'Card declined',
    [replyFields.category]: 'Payments',
    [replyFields.subcategory]: 'Refund',
  };
  const lastResponse = () => desk.fake.responses().at(-1)!.body;
  const liveMessageOf = async (number: number) => (await desk.store.tickets.placesOf(number)).live!;
  const receiptOf = (requester: string, number: number) =>
    desk.fake
      .messages(desk.fake.dmChannelOf(requester))
      .find((message) => message.text?.startsWith(`We received your request #${number}`))!;

  async function filedBy(requester: string, subject: string, description: string): Promise<Ticket> {
    await desk.slack.command(requester, '/ticket', `new ${subject}`);
    await desk.settled();
    const form = desk.fake.okCalls('views.open').at(-1)!.response.view;
    await desk.slack.viewSubmission(requester, {
      callback_id: form.callback_id,
      private_metadata: form.private_metadata,
      state: viewStateFrom(form, { [newTicketFields.group]: '10', [newTicketFields.description]: description }),
    });
    await desk.settled();
    const tickets = await desk.store.tickets.ofRequester({ kind: 'slack', userId: requester }, 20);
    return tickets.find((ticket) => ticket.subject === subject)!;
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

  async function agentWrites(agent: string, number: number, text: string, kind: 'public' | 'internal') {
    await desk.slack.blockAction(agent, {
      action_id: kind === 'public' ? actionIds.reply : actionIds.note,
      value: String(number),
    });
    await desk.settled();
    const form = desk.fake.okCalls('views.open').at(-1)!.response.view;
    await submit(agent, form, { [replyFields.text]: text });
  }

  /** Clicks a button of the view as it is now and returns the view after, as Slack holds it. */
  async function click(user: string, view: any, label: string) {
    const button = view.blocks
      .flatMap((block: any) => block.elements ?? [])
      .find((element: any) => element.type === 'button' && element.text.text === label);
    expect(button, `a “${label}” button`).toBeDefined();
    await desk.slack.blockAction(user, { action_id: button.action_id, value: button.value }, { view });
    await desk.settled();
    return desk.fake.view(view.id)!;
  }

  /** Every page of a Conversation from the one shown, Newer after Newer: each within a modal's limits. */
  async function readToTheEnd(user: string, view: any): Promise<any[]> {
    const pages = [view];
    for (let guard = 0; guard < 50; guard++) {
      const current = pages.at(-1);
      expect(current.blocks.length).toBeLessThanOrEqual(100);
      if (
        !current.blocks.some(
          (block: any) =>
            block.block_id === 'conversation_paging' &&
            block.elements.some((element: any) => element.text.text === 'Newer'),
        )
      )
        break;
      pages.push(await click(user, current, 'Newer'));
    }
    return pages;
  }

  /** The entries of some pages as a person reads them: each heading with its text whole (a comment cut between parts joined again). */
  function entriesOf(pages: readonly any[]): { heading: string; text: string }[] {
    const entries: { heading: string; text: string }[] = [];
    for (const page of pages) {
      for (const block of page.blocks.slice(1)) {
        if (block.type === 'context' && !block.elements[0].text.startsWith(':paperclip:')) {
          const heading = block.elements[0].text;
          if (heading.endsWith('_continued_')) continue;
          entries.push({ heading, text: '' });
        } else if (block.type === 'section') entries.at(-1)!.text += asSeen(block.text.text);
      }
    }
    return entries;
  }

  it('Conversation reads a 12-comment ticket whole from the card: oldest first, who, where from, internal notes marked, a 4,000-character comment in full', async () => {
    const ticket = await filedBy(
      people.customer,
      'Charged twice for one order',
      'I was charged twice for order 77 & nobody answers.',
    );
    await desk.slack.command(people.ana, '/ticket', `take ${ticket.number}`);
    await desk.settled();
    const receipt = receiptOf(people.customer, ticket.number);
    const long = `${'Here is everything that happened, step by step <b>& more</b>. '.repeat(66)}THE END`;
    expect(long.length).toBeGreaterThan(4000);
    const said: { text: string; kind: 'public' | 'internal' | 'requester' }[] = [];
    for (let i = 1; i <= 12; i++) {
      desk.clock.advance(60_000);
      const text =
        i === 7
          ? long
          : `Comment ${i}: ${i % 3 === 0 ? 'checked the ledger' : i % 3 === 1 ? 'any news?' : 'still looking'} <!channel>`;
      if (i % 3 === 1 || i === 7) {
        await desk.slack.message(people.customer, text, { threadTs: receipt.ts });
        await desk.settled();
        said.push({ text, kind: 'requester' });
      } else {
        const kind = i % 3 === 0 ? 'internal' : 'public';
        await agentWrites(people.ana, ticket.number, text, kind);
        said.push({ text, kind });
      }
    }
    expect(await desk.store.tickets.comments(ticket.number)).toHaveLength(12);

    // The card shows the last comments only; its Conversation button opens the whole ticket.
    await desk.slack.command(people.ana, '/ticket', `show ${ticket.number}`);
    await desk.settled();
    const card = lastResponse();
    const button = card.blocks
      .flatMap((block: any) => block.elements ?? [])
      .find((element: any) => element.action_id === actionIds.conversation);
    expect(button.text.text).toBe('Conversation');
    await desk.slack.blockAction(people.ana, { action_id: button.action_id, value: button.value });
    await desk.settled();
    const first = desk.fake.okCalls('views.open').at(-1)!.response.view;
    expect(first.callback_id).toBe(callbackIds.conversation);
    expect(first.blocks[0].text.text).toContain('13 entries, oldest first');
    const pages = await readToTheEnd(people.ana, desk.fake.view(first.id));
    // Ten entries a page: the request and nine comments, then the last three.
    expect(pages).toHaveLength(2);
    const entries = entriesOf(pages);
    expect(entries.map((entry) => entry.text)).toEqual([
      'I was charged twice for order 77 & nobody answers.',
      ...said.map((comment) => comment.text),
    ]);
    expect(entries[0]!.heading).toContain('*The request*');
    expect(entries[0]!.heading).toContain('via Slack form');
    for (const [i, comment] of said.entries()) {
      const heading = entries[i + 1]!.heading;
      if (comment.kind === 'internal') expect(heading).toMatch(/^:lock: \*Internal note\* \(agents only/);
      else expect(heading).not.toContain('Internal note');
      if (comment.kind === 'requester') expect(heading).toContain(`<@${people.customer}> · via Slack DM`);
      else expect(heading).toContain(`<@${people.ana}> · via reply form`);
    }
    // The long comment is in sections of at most 3,000 characters, and nothing typed pings anyone.
    const shown = JSON.stringify(pages.map((page) => page.blocks));
    expect(shown).not.toContain('<!channel>');
    expect(shown).toContain('&lt;!channel&gt;');
    expect(desk.fake.calls('views.update').filter((call) => !call.ok)).toEqual([]);

    // Older goes back to the first page, the request first again.
    const back = await click(people.ana, pages.at(-1), 'Older');
    expect(entriesOf([back])[0]!.text).toBe('I was charged twice for order 77 & nobody answers.');

    // A page past the end (a hand-made value) shows the last page.
    await desk.slack.blockAction(
      people.ana,
      { action_id: `${actionIds.conversation}_newer`, value: `${ticket.number}:99:0` },
      { view: back },
    );
    await desk.settled();
    expect(desk.fake.view(back.id)!.blocks[0].text.text).toContain(`page ${pages.length} of ${pages.length}`);

    // `/ticket show N all` opens the same Conversation; the requester's shows what was said to them, no internal note.
    await desk.slack.command(people.customer, '/ticket', `show ${ticket.number} all`);
    await desk.settled();
    const theirs = desk.fake.okCalls('views.open').at(-1)!.response.view;
    expect(theirs.callback_id).toBe(callbackIds.conversation);
    const theirEntries = entriesOf(await readToTheEnd(people.customer, desk.fake.view(theirs.id)));
    expect(theirEntries.map((entry) => entry.text)).toEqual([
      'I was charged twice for order 77 & nobody answers.',
      ...said.filter((comment) => comment.kind !== 'internal').map((comment) => comment.text),
    ]);
    await desk.slack.command(people.outsider, '/ticket', `show ${ticket.number} all`);
    await desk.settled();
    expect(lastResponse().text).toBe(`#${ticket.number} is not one of your tickets.`);
    expect(desk.fake.okCalls('views.open').at(-1)!.response.view.id).toBe(theirs.id);
  });

  it('a page of long comments goes in parts within a modal’s 100 blocks, every character of each shown', async () => {
    const ticket = await filedBy(people.customer, 'A very long dispute', 'It is a long story.');
    // Ten comments of 9,000 characters full of `&` (each grows five-fold escaped): more than one modal holds.
    const texts = Array.from({ length: 10 }, (_, i) => `${i}:${'&<> '.repeat(2250)}`.slice(0, 9000));
    const now = desk.clock.now();
    for (const [i, text] of texts.entries()) {
      await desk.store.tickets.addComment(
        ticket.number,
        'public',
        { kind: 'agent', id: people.ben },
        text,
        new Date(now.getTime() + i + 1),
        { id: `long-${ticket.number}-${i}` },
      );
    }
    await desk.slack.command(people.ben, '/ticket', `show ${ticket.number} all`);
    await desk.settled();
    const opened = desk.fake.okCalls('views.open').at(-1)!.response.view;
    const pages = await readToTheEnd(people.ben, desk.fake.view(opened.id));
    expect(pages.length).toBeGreaterThan(2);
    expect(pages.some((page) => page.blocks[0].text.text.includes('(part 2 of'))).toBe(true);
    expect(entriesOf(pages).map((entry) => entry.text)).toEqual(['It is a long story.', ...texts]);
    for (const page of pages)
      for (const block of page.blocks)
        if (block.type === 'section') expect(block.text.text.length).toBeLessThanOrEqual(3000);
    // Older from the second page's first part lands on the first page's last part.
    const secondPage = pages.find((page) => page.blocks[0].text.text.includes('page 2 of'))!;
    const back = await click(people.ben, secondPage, 'Older');
    expect(back.blocks[0].text.text).toMatch(/page 1 of \d+ \(part (\d+) of \1\)/);
  });

  it('a merge shows what it carried over where it came from: the comments of #N in #M’s Conversation, and the merge in both Histories', async () => {
    const target = await filedBy(people.customer, 'Refund for order 88', 'Please refund order 88.');
    const source = await filedBy(people.customer, 'Refund for order 88 again', 'Still waiting for the refund of 88.');
    desk.clock.advance(60_000);
    await agentWrites(people.ben, source.number, 'Asked finance about 88.', 'internal');
    await desk.slack.command(people.ben, '/ticket', `merge ${source.number} into ${target.number}`);
    await desk.settled();
    await submit(people.ben, desk.fake.okCalls('views.open').at(-1)!.response.view, {});
    expect((await desk.store.tickets.get(source.number))!.mergedInto).toBe(target.number);

    await desk.slack.command(people.ben, '/ticket', `show ${target.number} all`);
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.response.view;
    expect(view.blocks[0].text.text).toContain(`#${source.number} merged into #${target.number}`);
    const entries = entriesOf([view]);
    const carried = entries.filter((entry) => entry.heading.includes(`from #${source.number} (merged in)`));
    expect(carried.map((entry) => entry.text)).toEqual([
      `From #${source.number} (the original request “Refund for order 88 again”):\nStill waiting for the refund of 88.`,
      `From #${source.number} (internal note):\nAsked finance about 88.`,
    ]);

    const live = await liveMessageOf(target.number);
    await desk.slack.blockAction(
      people.ben,
      { action_id: actionIds.history, value: `${target.number}:0` },
      { channel: live.channel, message: { ts: live.ts } },
    );
    await desk.settled();
    expect(JSON.stringify(desk.fake.okCalls('views.open').at(-1)!.response.view.blocks)).toContain(
      `#${source.number} merged into #${target.number}`,
    );
    await desk.slack.command(people.ben, '/ticket', `show ${source.number} all`);
    await desk.settled();
    expect(desk.fake.okCalls('views.open').at(-1)!.response.view.blocks[0].text.text).toContain(
      `Merged into #${target.number}`,
    );
  });

  it('History pages through every event, Newer to the last and Older back to the first', async () => {
    const ticket = await filedBy(people.customer, 'Long history', 'Lots happened.');
    const now = desk.clock.now();
    const events = Array.from({ length: 95 }, (_, i) => ({
      _id: `history-${ticket.number}-${i}`,
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
    let view = desk.fake.view(desk.fake.okCalls('views.open').at(-1)!.response.view.id)!;
    const total = (await desk.store.tickets.history(ticket.number)).length;
    expect(JSON.stringify(view.blocks)).toContain(`${total} event(s), 1–40`);
    view = await click(people.ana, view, 'Newer');
    view = await click(people.ana, view, 'Newer');
    expect(JSON.stringify(view.blocks)).toContain(`81–${total}`);
    expect(JSON.stringify(view.blocks)).toContain('n: 94');
    view = await click(people.ana, view, 'Older');
    view = await click(people.ana, view, 'Older');
    expect(JSON.stringify(view.blocks)).toContain(`${total} event(s), 1–40`);
    expect(JSON.stringify(view.blocks)).toContain('*created*');
  });

  it('End and solve with a closing line: the requester hears it once, then the survey; first-contact resolution counts the chat as one contact', async () => {
    const window = () => periodWindow('week', desk.clock.now());
    const before = await deskStats(desk.deskbolt.desk, window(), { agent: fay });
    const chat = await steps().liveChat('UENDONCE1', fay, 'My refund is missing');
    await steps().replyInThread(fay, chat, 'Let me check.');
    const seenBefore = steps().botMessages(chat.requesterDm).length;
    desk.clock.advance(60_000);

    await desk.slack.blockAction(
      fay,
      { action_id: actionIds.endAndSolve, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
    await submit(fay, desk.fake.okCalls('views.open').at(-1)!.response.view, {
      [replyFields.text]: 'Refund sent today.',
      ...fullForm,
    });
    expect((await desk.store.chats.get(chat.ticketNumber))!.state).toBe('ended');

    const told = steps()
      .botMessages(chat.requesterDm)
      .slice(seenBefore)
      .map((message) => message.text ?? '');
    expect(told.filter((text) => text.includes('Refund sent today.'))).toHaveLength(1);
    expect(told.filter((text) => /ended/.test(text))).toEqual([
      `Your request #${chat.ticketNumber} is solved, so this chat has ended. Write here any time if you need anything else.`,
    ]);
    expect(told.filter((text) => text.startsWith('How did we do'))).toHaveLength(1);
    expect(told).toHaveLength(3);
    expect(told[0]).toContain('Refund sent today.');
    expect(told[1]).toContain('so this chat has ended');
    expect(told[2]).toMatch(/^How did we do/);
    // The chat's message in the queue keeps the conversation readable once it is over.
    const parent = desk.fake.messages(chat.thread.channel).find((message) => message.ts === chat.thread.ts)!;
    const conversation = parent
      .blocks!.flatMap((block: any) => block.elements ?? [])
      .find((element: any) => element.action_id === actionIds.conversation);
    await desk.slack.blockAction(
      fay,
      { action_id: conversation.action_id, value: conversation.value },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
    const whole = entriesOf([desk.fake.okCalls('views.open').at(-1)!.response.view]);
    expect(whole.map((entry) => entry.text)).toEqual(['My refund is missing', 'Let me check.', 'Refund sent today.']);
    expect(whole.map((entry) => / via ([^·]+) ·/.exec(entry.heading)![1])).toEqual(['chat', 'chat', 'reply form']);
    // The agent's thread shows the closing line too.
    expect(
      steps()
        .threadMessages(chat)
        .some((message) => message.text?.includes('replied from the form: Refund sent today.')),
    ).toBe(true);

    const after = await deskStats(desk.deskbolt.desk, window(), { agent: fay });
    expect(after.solved - before.solved).toBe(1);
    expect(after.firstContactResolved - before.firstContactResolved).toBe(1);
    expect(await weekFiguresOf(desk.deskbolt.desk, { agent: fay }, window())).toMatchObject({
      solved: after.solved,
      firstContactResolved: after.firstContactResolved,
    });
    expect((await desk.store.tickets.get(chat.ticketNumber))!.contacts).toMatchObject({ replies: 0, chat: true });
    await desk.slack.command(fay, '/ticket', 'stats @Fay');
    await desk.settled();
    expect(JSON.stringify(lastResponse().blocks)).toContain(
      // Fay's other solves this week (another test's, in a shuffled order) count in the rate too.
      `*First-contact resolution*\\n${percent(after.firstContactRate)} (${after.firstContactResolved} of ${after.solved})`,
    );
  });

  it('End chat pressed while End and solve is saved: the requester hears once that it is solved and over, then one survey', async () => {
    const chat = await steps().liveChat('UENDRACE1', fay, 'My refund is still missing');
    const seenBefore = steps().botMessages(chat.requesterDm).length;
    desk.clock.advance(60_000);
    const work = desk.deskbolt.desk;
    // The solve is written, then End chat ends the chat before anyone hears of the solve: the solve's own end finds it ended.
    await work.events.answerFirst(async () => {
      const solved = await replyToTicket(work, {
        number: chat.ticketNumber,
        agent: fay,
        text: '',
        kind: 'public',
        status: 'solved',
        form: { rootCause: 'Card declined', category: 'Payments', subcategory: 'Refund' },
      });
      expect(solved.ok).toBe(true);
      expect((await endChat(work, { ticketNumber: chat.ticketNumber, by: fay })).ok).toBe(true);
    });
    await desk.settled();
    expect(
      (await desk.store.tickets.history(chat.ticketNumber))
        .filter((event) => event.action === 'chat_ended')
        .map((event) => event.to ?? null),
    ).toEqual([null]);
    const told = steps()
      .botMessages(chat.requesterDm)
      .slice(seenBefore)
      .map((message) => message.text ?? '');
    expect(told).toEqual([
      `Your request #${chat.ticketNumber} is solved, so this chat has ended. Write here any time if you need anything else.`,
      `How did we do on #${chat.ticketNumber}?`,
    ]);
  });

  it('an escalation shows on the other group’s live message: from which group, by whom, the note’s first lines — escaped', async () => {
    const ticket = await filedBy(people.customer, 'Wire transfer stuck', 'My wire has not arrived.');
    await desk.slack.command(people.ana, '/ticket', `take ${ticket.number}`);
    await desk.slack.command(people.ana, '/ticket', `escalate ${ticket.number}`);
    await desk.settled();
    const form = desk.fake.okCalls('views.open').at(-1)!.response.view;
    const note =
      'Held at the bank & <!channel> ping <@UVICTIM01>\nReference W-42\nTried a resend\nFourth line stays in the thread';
    await submit(people.ana, form, { [escalationFields.group]: '20', [escalationFields.note]: note });
    expect((await desk.store.tickets.get(ticket.number))!.groupId).toBe(20);

    const live = await liveMessageOf(ticket.number);
    expect(live.channel).toBe(channels.payopsAlerts);
    const message = desk.fake.messages(channels.payopsAlerts).find((posted) => posted.ts === live.ts)!;
    const text = message.blocks![0].text.text as string;
    expect(text).toContain(
      `:arrow_heading_up: Escalated from *Billing* by <@${people.ana}>: “Held at the bank &amp; &lt;!channel&gt; ping &lt;@UVICTIM01&gt; / Reference W-42 / Tried a resend” (the whole note is in the thread)`,
    );
    expect(JSON.stringify(message.blocks)).not.toContain('<!channel>');
    expect(JSON.stringify(message.blocks)).not.toContain('Fourth line');
  });

  it('/ticket reassign answers a non-agent with the words escaped, and /ticket reassign N @agent assigns that one ticket', async () => {
    await desk.slack.command(people.lead, '/ticket', 'reassign @ana @carla');
    await desk.settled();
    expect(lastResponse().text).toBe(`<@${people.customer}> is not a support agent, so no ticket can go to them.`);
    await desk.slack.command(people.lead, '/ticket', 'reassign @ana @channel <b>boss</b> & co');
    await desk.settled();
    const answer = lastResponse().text as string;
    expect(answer).toContain('Nobody called “@channel &lt;b&gt;boss&lt;/b&gt; &amp; co” is a support agent here.');
    expect(answer).not.toMatch(/<!channel>|<@@/);

    const ticket = await filedBy(people.customer, 'Reassign me', 'One ticket for Ben.');
    await desk.slack.command(people.lead, '/ticket', `reassign ${ticket.number} @ben`);
    await desk.settled();
    expect(lastResponse().text).toBe(`Assigned #${ticket.number} to <@${people.ben}>.`);
    expect((await desk.store.tickets.get(ticket.number))!.assignee).toBe(people.ben);
  });
});
