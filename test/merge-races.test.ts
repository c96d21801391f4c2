import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/store/store.js';
import type { ConditionalWrites } from '../src/store/tickets.js';
import { mergeTickets } from '../src/tickets/merge.js';
import { markProblem } from '../src/tickets/problems.js';
import type { Refusal } from '../src/tickets/refusals.js';
import type { Ticket } from '../src/tickets/types.js';
import { conditionalWriteModes, openTestStore } from './support/database.js';
import { fileTicket, said, testDesk } from './support/desk.js';
import { people } from './support/workspace.js';

/**
 * Merges and marks that two agents make at the same moment. A merge's target is claimed in the same
 * kind of single-document write that marks its source, so "A into B" and "B into A" (or "B into C")
 * cannot both get under way; a second mark of a problem finds the first. Run in both branches of the
 * store's conditional write (MongoDB's findOneAndUpdate with the precondition in the filter, and the
 * embedded FerretDB's read-check-write), many times each, in both orders.
 */
const TRIES = 12;
const REFUSED_FOR_A_RACE = [
  'merge_cycle',
  'target_merging',
  'target_merged',
  'target_closed',
  'source_receiving',
  'source_merging',
  'source_merged',
  'source_closed',
  'changed_meanwhile',
];

describe.each(conditionalWriteModes())('merges and marks that race (%s)', (mode: ConditionalWrites) => {
  let store: Store;
  let desk: ReturnType<typeof testDesk>;
  beforeAll(async () => {
    store = await openTestStore('mergerace', { conditionalWrites: mode });
    desk = testDesk(store);
  });
  afterAll(async () => {
    await desk.settled();
    await store.close();
  });

  const get = async (number: number) => (await store.tickets.get(number))!;
  const wordsOn = async (number: number) =>
    (await store.tickets.comments(number)).map((comment) => comment.text).join('\n');
  /** Where a ticket's request lives now: the end of its chain of merges. */
  async function liveEndOf(ticket: Ticket): Promise<Ticket> {
    let current = ticket;
    for (let hops = 0; current.mergedInto !== null && hops < 5; hops++) current = await get(current.mergedInto);
    return current;
  }
  /** Both at once, the second started first when `swapped`; answers in the order given. */
  async function bothAtOnce<T>(one: () => Promise<T>, other: () => Promise<T>, swapped: boolean): Promise<[T, T]> {
    if (!swapped) return Promise.all([one(), other()]);
    const [second, first] = await Promise.all([other(), one()]);
    return [first, second];
  }
  const claimsOn = async (number: number) => Object.keys((await get(number)).mergingIn ?? {});

  it('A into B and B into A at once: never both closed into each other; the other agent is told why and nothing of theirs is written', async () => {
    let merged = 0;
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const a = await fileTicket(desk, { subject: `A ${attempt}`, description: `words of A ${attempt}` });
      const b = await fileTicket(desk, { subject: `B ${attempt}`, description: `words of B ${attempt}` });
      const aIntoB = () => mergeTickets(desk, { sources: [a.number], target: b.number, agent: people.ana });
      const bIntoA = () => mergeTickets(desk, { sources: [b.number], target: a.number, agent: people.ben });
      const [first, second] = await bothAtOnce(aIntoB, bIntoA, attempt % 2 === 1);
      await desk.settled();
      const [afterA, afterB] = [await get(a.number), await get(b.number)];

      expect(first.ok && second.ok, `attempt ${attempt}: both merges went through`).toBe(false);
      expect(first.ok || second.ok, `attempt ${attempt}: neither merge went through`).toBe(true);
      expect(afterA.mergedInto !== null && afterB.mergedInto !== null, `attempt ${attempt}: both closed`).toBe(false);
      for (const result of [first, second])
        if (!result.ok) expect(REFUSED_FOR_A_RACE).toContain((result as Refusal).code);
      const mergedEvents = [
        ...(await store.tickets.history(a.number)),
        ...(await store.tickets.history(b.number)),
      ].filter((event) => event.action === 'merged_into');
      expect(mergedEvents).toHaveLength([first, second].filter((result) => result.ok).length);

      if (first.ok) {
        merged += 1;
        expect(afterA).toMatchObject({ status: 'closed', mergedInto: b.number });
        expect(afterB.status).not.toBe('closed');
        expect(await wordsOn(b.number)).toContain(`words of A ${attempt}`);
        expect(await wordsOn(a.number)).not.toContain(`words of B ${attempt}`);
      }
      if (second.ok) {
        merged += 1;
        expect(afterB).toMatchObject({ status: 'closed', mergedInto: a.number });
        expect(await wordsOn(a.number)).toContain(`words of B ${attempt}`);
        expect(await wordsOn(b.number)).not.toContain(`words of A ${attempt}`);
      }
      expect([...(await claimsOn(a.number)), ...(await claimsOn(b.number))]).toEqual([]);
    }
    // The two merges meet on their first write (the lower-numbered ticket): exactly one goes on, every time.
    expect(merged).toBe(TRIES);
  });

  it('A into B while B goes into C: A’s words always reach the ticket that is still open', async () => {
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const a = await fileTicket(desk, { subject: `A ${attempt}`, description: `first words of A ${attempt}` });
      const b = await fileTicket(desk, { subject: `B ${attempt}`, description: `words of B ${attempt}` });
      const c = await fileTicket(desk, { subject: `C ${attempt}`, description: `words of C ${attempt}` });
      const aIntoB = () => mergeTickets(desk, { sources: [a.number], target: b.number, agent: people.ana });
      const bIntoC = () => mergeTickets(desk, { sources: [b.number], target: c.number, agent: people.ben });
      const [intoB, intoC] = await bothAtOnce(aIntoB, bIntoC, attempt % 2 === 1);
      await desk.settled();
      for (const result of [intoB, intoC])
        if (!result.ok) expect(REFUSED_FOR_A_RACE).toContain((result as Refusal).code);

      const live = await liveEndOf(await get(a.number));
      expect(live.status, `attempt ${attempt}: A's request ended on a closed ticket`).not.toBe('closed');
      if (live.number !== a.number)
        expect(await wordsOn(live.number), `attempt ${attempt}`).toContain(`first words of A ${attempt}`);
      if (intoB.ok && intoC.ok) {
        // Both could go only one after the other: A into B first, then B (with A's words) into C.
        expect(live.number).toBe(c.number);
      }
      for (const number of [a.number, b.number, c.number]) expect(await claimsOn(number)).toEqual([]);
    }
  });

  it('a ticket with a merge into it under way is not merged away until that is done', async () => {
    const a = await fileTicket(desk);
    const b = await fileTicket(desk);
    const c = await fileTicket(desk);
    let intoB: ReturnType<typeof mergeTickets> | undefined;
    const refusedMeanwhile = await new Promise((resolve, reject) => {
      intoB = mergeTickets(
        desk,
        { sources: [a.number], target: b.number, agent: people.ana },
        {
          afterStep: async (step) => {
            if (step === 'copied')
              resolve(await mergeTickets(desk, { sources: [b.number], target: c.number, agent: people.ben }));
          },
        },
      );
      intoB.catch(reject);
    });
    expect(refusedMeanwhile).toMatchObject({
      ok: false,
      code: 'source_receiving',
      facts: { number: b.number, from: a.number },
    });
    expect(said(desk, refusedMeanwhile as never)).toBe(
      `#${a.number} is being merged into #${b.number} right now; #${b.number} can be merged away once that is done.`,
    );
    expect(await intoB).toMatchObject({ ok: true });
    expect(await mergeTickets(desk, { sources: [b.number], target: c.number, agent: people.ben })).toMatchObject({
      ok: true,
    });
    expect(await wordsOn(c.number)).toContain('My card was declined and then charged twice.');
  });

  it('two agents marking one ticket a problem at once: one problem_marked, the other hears it already is', async () => {
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const ticket = await fileTicket(desk);
      const results = await Promise.all([
        markProblem(desk, { number: ticket.number, agent: people.ana }),
        markProblem(desk, { number: ticket.number, agent: people.ben }),
      ]);
      await desk.settled();
      const winners = results.filter((result) => result.ok);
      expect(winners, `attempt ${attempt}`).toHaveLength(1);
      const winner = results[0]!.ok ? people.ana : people.ben;
      const loser = results.find((result) => !result.ok)!;
      expect(loser).toEqual({ ok: false, code: 'already_a_problem', facts: { number: ticket.number, by: winner } });
      expect(
        (await store.tickets.history(ticket.number)).filter((event) => event.action === 'problem_marked'),
      ).toHaveLength(1);
    }
  });

  it('marking a problem again changes nothing and says who marked it', async () => {
    const ticket = await fileTicket(desk);
    expect(await markProblem(desk, { number: ticket.number, agent: people.ana })).toMatchObject({ ok: true });
    // Who marked it is read from the history, which the events write after the answer: Ben asks once Ana's mark is done.
    await desk.settled();
    const version = (await get(ticket.number)).version;
    const again = await markProblem(desk, { number: ticket.number, agent: people.ben });
    expect(said(desk, again)).toBe(
      `#${ticket.number} is already a problem (marked by <@${people.ana}>); nothing changed. Link its incidents with \`/ticket link N to ${ticket.number}\`.`,
    );
    await desk.settled();
    expect((await get(ticket.number)).version).toBe(version);
    expect(
      (await store.tickets.history(ticket.number)).filter((event) => event.action === 'problem_marked'),
    ).toHaveLength(1);
  });
});
