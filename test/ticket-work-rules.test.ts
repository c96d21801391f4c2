import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/store/store.js';
import { deskArticles } from '../src/tickets/articles.js';
import { attemptDelivery, retryDueDeliveries, webhookSignature } from '../src/tickets/deliveries.js';
import { escalateTicket } from '../src/tickets/escalation.js';
import { macrosFor, savePersonalMacro } from '../src/tickets/macros.js';
import { finishInterruptedMerges, MERGE_GRACE_MS, type MergeStep, mergeTickets } from '../src/tickets/merge.js';
import { linkIncident } from '../src/tickets/problems.js';
import { replyToTicket } from '../src/tickets/reply.js';
import { suggestArticles, suggestRootCause } from '../src/tickets/suggestions.js';
import { conditionalWriteModes, openTestStore } from './support/database.js';
import { fileTicket, testDesk } from './support/desk.js';
import { type ReceivedPost, WebhookReceiver } from './support/webhook-receiver.js';
import { people, testWorkspace } from './support/workspace.js';

const SECRET = 'webhook-secret-0123456789';
const solvedForm = { rootCause: 'Card declined', category: 'Payments', subcategory: 'Refund' };

// The rules' conditional writes (versions, merge steps, races) run in both branches of the store's change.
describe.each(conditionalWriteModes())('the agent’s ticket rules (%s)', (conditionalWrites) => {
  let store: Store;
  let desk: ReturnType<typeof testDesk>;
  let receiver: WebhookReceiver;
  let received: ReceivedPost[];
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    received = receiver.received;
    const url = receiver.url;
    store = await openTestStore('workrules', { conditionalWrites });
    desk = testDesk(store, {
      workspace: testWorkspace({ outboundWebhook: { url, secret: SECRET, allowPrivateNetwork: true } }),
    });
  });
  afterAll(async () => {
    await store.close();
    await receiver.close();
  });
  /** A ticket's history once the events handed out so far are in it: they are written after the workflow returns. */
  async function historyOf(number: number) {
    await desk.settled();
    return store.tickets.history(number);
  }

  it('solving needs the form, and sets solvedAt; pending sets pendingSince; both write status events', async () => {
    const ticket = await fileTicket(desk);
    const missing = await replyToTicket(desk, {
      number: ticket.number,
      agent: people.ana,
      text: 'Fixed',
      kind: 'public',
      status: 'solved',
      form: { rootCause: 'Card declined' },
    });
    expect(missing).toMatchObject({ ok: false, field: 'category' });
    expect(await store.tickets.comments(ticket.number)).toHaveLength(0);
    expect((await store.tickets.get(ticket.number))!.version).toBe(ticket.version);

    const wrongSub = await replyToTicket(desk, {
      number: ticket.number,
      agent: people.ana,
      text: 'x',
      kind: 'public',
      status: 'solved',
      form: { ...solvedForm, subcategory: 'Login' },
    });
    expect(wrongSub).toMatchObject({ ok: false, field: 'subcategory' });

    const pending = await replyToTicket(desk, {
      number: ticket.number,
      agent: people.ana,
      text: 'Can you send the receipt?',
      kind: 'public',
      status: 'pending',
      seenVersion: ticket.version,
    });
    expect(pending).toMatchObject({
      ok: true,
      ticket: { status: 'pending', assignee: people.ana, pendingSince: desk.clock() },
    });
    const solved = await replyToTicket(desk, {
      number: ticket.number,
      agent: people.ana,
      text: 'Refunded.',
      kind: 'public',
      status: 'solved',
      form: solvedForm,
    });
    expect(solved).toMatchObject({
      ok: true,
      ticket: { status: 'solved', solvedAt: desk.clock(), pendingSince: null, form: solvedForm },
    });
    if (!solved.ok) throw new Error();
    expect(solved.solved.map((t) => t.number)).toEqual([ticket.number]);
    const actions = (await historyOf(ticket.number)).map((event) => event.action);
    expect(actions).toEqual([
      'created',
      'replied',
      'assigned',
      'status_changed',
      'replied',
      'status_changed',
      'form_changed',
    ]);
  });

  it('refuses the second of two agents who opened the same version, writing nothing of theirs', async () => {
    const ticket = await fileTicket(desk);
    const [first, second] = await Promise.all([
      replyToTicket(desk, {
        number: ticket.number,
        agent: people.ana,
        text: 'Ana here',
        kind: 'public',
        status: 'open',
        seenVersion: ticket.version,
      }),
      replyToTicket(desk, {
        number: ticket.number,
        agent: people.ben,
        text: 'Ben here',
        kind: 'public',
        status: 'pending',
        seenVersion: ticket.version,
      }),
    ]);
    const results = [first, second];
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    const refused = results.find((result) => !result.ok)!;
    expect(refused).toMatchObject({ ok: false, code: 'changed_since_opened' });
    expect(await store.tickets.comments(ticket.number)).toHaveLength(1);
  });

  it('refuses closed, merged, non-agents, outsiders where groups are kept, operators and oversized text', async () => {
    const ticket = await fileTicket(desk);
    expect(
      await replyToTicket(desk, {
        number: ticket.number,
        agent: people.outsider,
        text: 'hi',
        kind: 'public',
        status: 'open',
      }),
    ).toMatchObject({ ok: false, code: 'not_an_agent' });
    expect(
      await replyToTicket(desk, { number: 99999, agent: people.ana, text: 'hi', kind: 'public', status: 'open' }),
    ).toMatchObject({ ok: false, code: 'no_such_ticket', facts: { number: 99999 } });
    expect(
      await replyToTicket(desk, {
        number: ticket.number,
        agent: people.ana,
        text: 'x'.repeat(10_001),
        kind: 'public',
        status: 'open',
      }),
    ).toMatchObject({ ok: false, field: 'text' });
    expect(
      await replyToTicket(desk, {
        number: ticket.number,
        agent: people.ana,
        text: { $gt: '' } as never,
        kind: 'public',
        status: 'open',
      }),
    ).toMatchObject({ ok: false });
    const restricted = testDesk(store, {
      workspace: testWorkspace({ settings: { restrictToOwnGroups: true, personalMacroLimit: 20 } }),
    });
    expect(
      await replyToTicket(restricted, {
        number: ticket.number,
        agent: people.payops,
        text: 'hi',
        kind: 'public',
        status: 'open',
      }),
    ).toMatchObject({ ok: false, code: 'outside_group' });
    const literal = await replyToTicket(desk, {
      number: ticket.number,
      agent: people.ana,
      text: '{"$gt":""}',
      kind: 'internal',
      status: 'open',
    });
    expect(literal).toMatchObject({ ok: true, comment: { text: '{"$gt":""}', kind: 'internal' } });
    await store.tickets.change(ticket.number, {}, { status: 'closed' }, [], desk.clock());
    expect(
      await replyToTicket(desk, {
        number: ticket.number,
        agent: people.ana,
        text: 'hi',
        kind: 'public',
        status: 'open',
      }),
    ).toMatchObject({ ok: false, code: 'closed_is_final' });
  });

  it('delivers a public reply to an email requester by a signed webhook, retrying with backoff', async () => {
    const ticket = await fileTicket(desk, { requester: { kind: 'email', email: 'dana@example.com', name: 'Dana' } });
    receiver.refuseNext();
    const replied = await replyToTicket(desk, {
      number: ticket.number,
      agent: people.ana,
      text: 'We are on it.',
      kind: 'public',
      status: 'open',
    });
    if (!replied.ok) throw new Error(JSON.stringify(replied));
    const [delivery] = replied.deliveries;
    expect(await attemptDelivery(desk, delivery!.id, {})).toBe('retrying');
    expect(await store.deliveries.troubleOf(ticket.number)).toHaveLength(1);
    expect(await retryDueDeliveries(desk, desk.clock())).toEqual({ attempted: 0, delivered: 0, failed: 0 });
    desk.testClock.advance(61_000);
    expect(await retryDueDeliveries(desk, desk.clock())).toEqual({ attempted: 1, delivered: 1, failed: 0 });
    const post = received.at(-1)!;
    expect(JSON.parse(post.body)).toMatchObject({
      ticket: ticket.number,
      to: { email: 'dana@example.com' },
      text: expect.stringContaining('We are on it.'),
    });
    expect(post.headers['x-deskbolt-signature']).toBe(
      webhookSignature(SECRET, String(post.headers['x-deskbolt-timestamp']), post.body),
    );
    const actions = (await historyOf(ticket.number)).map((event) => event.action);
    expect(actions.filter((action) => action === 'delivery_failed' || action === 'delivered')).toEqual([
      'delivery_failed',
      'delivered',
    ]);
    expect(await store.deliveries.troubleOf(ticket.number)).toHaveLength(0);
  });

  it('personal macros come first, and the one over the limit is refused saying the limit', async () => {
    for (let i = 1; i <= 20; i++)
      expect(await savePersonalMacro(desk, people.cho, { name: `m${i}`, text: `text ${i}` })).toMatchObject({
        ok: true,
      });
    expect(await savePersonalMacro(desk, people.cho, { name: 'm21', text: 'one too many' })).toMatchObject({
      ok: false,
      code: 'macro_limit',
      facts: { limit: 20 },
    });
    expect(await savePersonalMacro(desk, people.cho, { name: 'm3', text: 'replaced' })).toMatchObject({
      ok: true,
      replaced: true,
    });
    const macros = await macrosFor(desk, people.cho);
    expect(macros).toHaveLength(21);
    expect(macros[0]!.personal).toBe(true);
    expect(macros.at(-1)).toMatchObject({ name: 'Refund issued', personal: false });
    expect(await savePersonalMacro(desk, people.outsider, { name: 'x', text: 'y' })).toMatchObject({ ok: false });
  });

  it('suggests articles and a root cause from the ticket’s words', () => {
    const ticket = { subject: 'Forgot my password', description: 'Cannot login since Monday' };
    expect(suggestArticles(deskArticles(desk.directory), ticket)).toEqual([
      {
        key: 'f:resetting your password',
        title: 'Resetting your password',
        url: 'https://help.example.com/reset',
        summary: 'Use *Forgot password* & check mail <!channel>',
        score: 2,
      },
    ]);
    expect(suggestRootCause(desk.directory.workspace, ticket)).toBe('User error');
  });

  const STEPS: MergeStep[] = ['first-claim', 'marked', 'comment-copied', 'copied', 'told', 'target-noted', 'closed'];
  for (const stop of STEPS) {
    it(`a merge cut after “${stop}” is finished by running it again, nothing lost or doubled`, async () => {
      const target = await fileTicket(desk, { subject: 'Charged twice' });
      const source = await fileTicket(desk, { subject: 'Double charge', description: 'Two charges on my card' });
      desk.testClock.advance(1000);
      await replyToTicket(desk, {
        number: source.number,
        agent: people.ana,
        text: 'Looking',
        kind: 'public',
        status: 'open',
      });
      desk.testClock.advance(1000);
      await replyToTicket(desk, {
        number: source.number,
        agent: people.ana,
        text: 'Probably a duplicate',
        kind: 'internal',
        status: 'open',
      });
      const request = { sources: [source.number], target: target.number, agent: people.ana };
      await expect(
        mergeTickets(desk, request, {
          afterStep: (step) => {
            if (step === stop) throw new Error('process died');
          },
        }),
      ).rejects.toThrow('process died');
      const finished = await mergeTickets(desk, request);
      expect(finished).toMatchObject({ ok: true });
      const copied = await store.tickets.comments(target.number);
      expect(copied.map((comment) => comment.kind)).toEqual(['internal', 'internal', 'internal']);
      expect(copied.map((comment) => comment.text.split('\n')[0])).toEqual([
        `From #${source.number} (the original request “Double charge”):`,
        `From #${source.number} (public reply):`,
        `From #${source.number} (internal note):`,
      ]);
      const after = (await store.tickets.get(source.number))!;
      expect(after).toMatchObject({ status: 'closed', mergedInto: target.number, merge: { state: 'done' } });
      const notices = (await store.tickets.comments(source.number)).filter((comment) =>
        comment.text.includes('now handled together with'),
      );
      expect(notices).toHaveLength(1);
      expect(
        (await store.deliveries.ofTicket(source.number)).filter((d) => d.commentId === notices[0]!.id),
      ).toHaveLength(1);
      const sourceEvents = await historyOf(source.number);
      expect(sourceEvents.filter((event) => event.action === 'merged_into')).toHaveLength(1);
      expect(
        sourceEvents.filter(
          (event) => event.action === 'status_changed' && (event.to as { status: string }).status === 'closed',
        ),
      ).toHaveLength(1);
      expect((await historyOf(target.number)).filter((event) => event.action === 'merged_from')).toHaveLength(1);
      // A third run changes nothing.
      await mergeTickets(desk, request);
      expect(await store.tickets.comments(target.number)).toHaveLength(3);
    });
  }

  it('two agents confirming the same merge at once copy each comment once', async () => {
    const target = await fileTicket(desk);
    const source = await fileTicket(desk, { description: 'first words' });
    await replyToTicket(desk, {
      number: source.number,
      agent: people.ana,
      text: 'a note',
      kind: 'internal',
      status: 'open',
    });
    const request = { sources: [source.number], target: target.number };
    const results = await Promise.all([
      mergeTickets(desk, { ...request, agent: people.ana }),
      mergeTickets(desk, { ...request, agent: people.ben }),
    ]);
    expect(results.every((result) => result.ok)).toBe(true);
    expect(await store.tickets.comments(target.number)).toHaveLength(2);
    expect((await store.tickets.comments(source.number)).filter((c) => c.kind === 'public')).toHaveLength(1);
    expect((await historyOf(target.number)).filter((e) => e.action === 'merged_from')).toHaveLength(1);
  });

  it('twenty-five personal macros saved at once stop at the limit', async () => {
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => savePersonalMacro(desk, people.lead, { name: `race ${i}`, text: 'x' })),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(20);
    expect(await store.macros.ofAgent(people.lead)).toHaveLength(20);
  });

  it('the recovery finishes merges a dead process left half-way, once it is older than a live merge takes', async () => {
    const target = await fileTicket(desk);
    const source = await fileTicket(desk);
    await expect(
      mergeTickets(
        desk,
        { sources: [source.number], target: target.number, agent: people.ben },
        {
          afterStep: (step) => {
            if (step === 'told') throw new Error('died');
          },
        },
      ),
    ).rejects.toThrow();
    const finishedSources = async () =>
      (await finishInterruptedMerges(desk)).finished.flatMap((result) => result.merged.map((t) => t.number));
    // Still young: the process that started it may be at work on it.
    expect(await finishedSources()).not.toContain(source.number);
    desk.testClock.advance(MERGE_GRACE_MS);
    expect(await finishedSources()).toContain(source.number);
    expect(await store.tickets.get(source.number)).toMatchObject({ status: 'closed', mergedInto: target.number });
    expect((await store.tickets.get(target.number))!.mergingIn).toEqual({});
    expect(await finishedSources()).not.toContain(source.number);
  });

  it('refuses merging into itself, into a closed ticket, and in a cycle', async () => {
    const a = await fileTicket(desk);
    const b = await fileTicket(desk);
    expect(await mergeTickets(desk, { sources: [a.number], target: a.number, agent: people.ana })).toMatchObject({
      ok: false,
      code: 'merge_into_itself',
      facts: { number: a.number },
    });
    await expect(
      mergeTickets(
        desk,
        { sources: [a.number], target: b.number, agent: people.ana },
        {
          afterStep: () => {
            throw new Error('cut');
          },
        },
      ),
    ).rejects.toThrow();
    expect(await mergeTickets(desk, { sources: [b.number], target: a.number, agent: people.ana })).toMatchObject({
      ok: false,
      code: 'merge_cycle',
    });
    const closed = await fileTicket(desk);
    await store.tickets.change(closed.number, {}, { status: 'closed' }, [], desk.clock());
    expect(await mergeTickets(desk, { sources: [b.number], target: closed.number, agent: people.ana })).toMatchObject({
      ok: false,
      code: 'target_closed',
    });
  });

  it('escalation moves the ticket unassigned and open with a required note', async () => {
    const ticket = await fileTicket(desk);
    await replyToTicket(desk, {
      number: ticket.number,
      agent: people.ana,
      text: 'hm',
      kind: 'internal',
      status: 'pending',
    });
    expect(
      await escalateTicket(desk, { number: ticket.number, agent: people.ana, groupId: 20, note: '  ' }),
    ).toMatchObject({ ok: false, field: 'note' });
    expect(
      await escalateTicket(desk, { number: ticket.number, agent: people.ana, groupId: 99, note: 'x' }),
    ).toMatchObject({ ok: false, field: 'group' });
    const done = await escalateTicket(desk, {
      number: ticket.number,
      agent: people.ana,
      groupId: 20,
      note: 'Gateway timeouts',
    });
    expect(done).toMatchObject({
      ok: true,
      ticket: { groupId: 20, assignee: null, status: 'open', pendingSince: null },
    });
    expect((await store.tickets.comments(ticket.number)).at(-1)).toMatchObject({
      kind: 'internal',
      text: 'Escalated to PayOps (20): Gateway timeouts',
    });
    expect((await historyOf(ticket.number)).map((e) => e.action)).toContain('escalated');
  });

  it('solving a problem solves each open incident with the solution as a public reply', async () => {
    const problem = await fileTicket(desk, { subject: 'Gateway down' });
    const incidents = [
      await fileTicket(desk, { requester: { kind: 'slack', userId: people.outsider } }),
      await fileTicket(desk),
    ];
    for (const incident of incidents)
      expect(
        await linkIncident(desk, { incident: incident.number, problem: problem.number, agent: people.ana }),
      ).toMatchObject({ ok: true });
    expect(
      await linkIncident(desk, { incident: problem.number, problem: problem.number, agent: people.ana }),
    ).toMatchObject({ ok: false });
    const solved = await replyToTicket(desk, {
      number: problem.number,
      agent: people.ana,
      text: 'The gateway is back.',
      kind: 'public',
      status: 'solved',
      form: solvedForm,
    });
    if (!solved.ok) throw new Error(JSON.stringify(solved));
    expect(solved.solved.map((t) => t.number)).toEqual([problem.number, ...incidents.map((i) => i.number)]);
    for (const incident of incidents) {
      expect(await store.tickets.get(incident.number)).toMatchObject({ status: 'solved', form: solvedForm });
      expect((await store.tickets.comments(incident.number)).map((c) => [c.kind, c.text])).toEqual([
        ['public', 'The gateway is back.'],
      ]);
      const actions = (await historyOf(incident.number)).map((e) => e.action);
      expect(actions).toEqual(['created', 'incident_linked', 'replied', 'status_changed']);
    }
    expect(solved.deliveries).toHaveLength(3);
  });
});
