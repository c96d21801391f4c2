import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/store/documents.js';
import { deskStats, median } from '../src/tickets/stats.js';
import type { TicketAction } from '../src/tickets/types.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people } from './support/workspace.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const WEEK = { from: new Date('2026-11-02T00:00:00Z'), to: new Date('2026-11-09T00:00:00Z') };

/**
 * A seeded week, with every event written directly at a known time. The expected figures below are
 * worked out by hand from this story, not by the code under test.
 */
describe('stats from the event history', () => {
  let desk: TestDesk;
  const { ana, ben } = people;

  async function event(
    ticketNumber: number,
    action: TicketAction,
    at: string,
    actor: string,
    extra: { from?: unknown; to?: unknown } = {},
  ) {
    await desk.store.models.Event.collection.insertOne({
      _id: newId(),
      ticketNumber,
      action,
      at: new Date(at),
      actor: { kind: actor.startsWith('U') ? 'agent' : 'requester', id: actor },
      ...extra,
    } as never);
  }
  const solved = (n: number, at: string, agent: string) =>
    event(n, 'status_changed', at, agent, { from: { status: 'open' }, to: { status: 'solved' } });
  const rated = (n: number, at: string, rating: string, solve: number, agent: string) =>
    event(n, 'satisfaction_rated', at, 'requester', { to: { rating, solve, agent } });

  beforeAll(async () => {
    desk = await startTestDesk();
    // #1: created Mon 09:00, one reply by Ana at 09:30, solved by Ana 11:00 → FCR; first reply 30 min; resolution 2 h; good.
    await event(1, 'created', '2026-11-02T09:00:00Z', people.customer);
    await event(1, 'replied', '2026-11-02T09:30:00Z', ana);
    await event(1, 'noted', '2026-11-02T09:40:00Z', ana);
    await solved(1, '2026-11-02T11:00:00Z', ana);
    await rated(1, '2026-11-02T12:00:00Z', 'good', 4, ana);
    // #2: created 10:00, replies by Ana 12:00 and 13:00, solved 14:00 → not FCR; first reply 2 h; resolution 4 h; bad, then changed to good.
    await event(2, 'created', '2026-11-02T10:00:00Z', people.customer);
    await event(2, 'replied', '2026-11-02T12:00:00Z', ana);
    await event(2, 'replied', '2026-11-02T13:00:00Z', ana);
    await solved(2, '2026-11-02T14:00:00Z', ana);
    await rated(2, '2026-11-02T15:00:00Z', 'bad', 5, ana);
    await rated(2, '2026-11-02T15:05:00Z', 'good', 5, ana);
    // #3: created and answered by Ben the week before (Fri), solved by Ben Tue 08:00 → FCR; resolution 4 d; its first reply is last week's.
    await event(3, 'created', '2026-10-30T08:00:00Z', people.customer);
    await event(3, 'replied', '2026-10-30T09:00:00Z', ben);
    await solved(3, '2026-11-03T08:00:00Z', ben);
    // #4: created Wed 09:00, Ben replies 09:10, not solved → first reply 10 min.
    await event(4, 'created', '2026-11-04T09:00:00Z', people.customer);
    await event(4, 'replied', '2026-11-04T09:10:00Z', ben);
    // #5: created Sun 23:00, answered and solved after the week ends → not in this week at all.
    await event(5, 'created', '2026-11-08T23:00:00Z', people.customer);
    await event(5, 'replied', '2026-11-09T01:00:00Z', ana);
    await solved(5, '2026-11-09T02:00:00Z', ana);
    // #6: created Thu 12:00, solved by Ana 13:00 without a reply, reopened, solved again Fri 12:00 → counts once, resolution 24 h, not FCR (no reply); bad.
    await event(6, 'created', '2026-11-05T12:00:00Z', people.customer);
    await solved(6, '2026-11-05T13:00:00Z', ana);
    await event(6, 'reopened', '2026-11-05T18:00:00Z', people.customer, {
      from: { status: 'solved' },
      to: { status: 'open' },
    });
    await solved(6, '2026-11-06T12:00:00Z', ana);
    await rated(6, '2026-11-06T13:00:00Z', 'bad', 9, ana);
  });
  afterAll(async () => {
    await desk.close();
  });

  it('computes the team’s week as worked out by hand', async () => {
    const stats = await deskStats(desk.deskbolt.desk, WEEK);
    expect(stats).toMatchObject({
      solved: 4, // #1, #2, #3, #6
      good: 2, // #1, #2 (changed from bad)
      bad: 1, // #6
      firstContactResolved: 2, // #1, #3
      firstContactRate: 0.5,
      firstReplies: 3, // #1 30 min, #2 2 h, #4 10 min
      medianFirstReplyMs: 30 * MIN,
      medianResolutionMs: 14 * HOUR, // 2 h, 4 h, 24 h, 96 h → (4 + 24) / 2
      truncated: false,
    });
  });

  it('computes one agent’s week', async () => {
    const forAna = await deskStats(desk.deskbolt.desk, WEEK, { agent: ana });
    expect(forAna).toMatchObject({
      solved: 3,
      good: 2,
      bad: 1,
      firstContactResolved: 1,
      firstReplies: 2,
      medianFirstReplyMs: 75 * MIN,
      medianResolutionMs: 4 * HOUR,
    });
    const forBen = await deskStats(desk.deskbolt.desk, WEEK, { agent: ben });
    expect(forBen).toMatchObject({
      solved: 1,
      good: 0,
      bad: 0,
      firstContactResolved: 1,
      firstContactRate: 1,
      firstReplies: 1,
      medianFirstReplyMs: 10 * MIN,
      medianResolutionMs: 96 * HOUR,
    });
  });

  it('recomputes a past week the same way, from the same history', async () => {
    const weekBefore = await deskStats(desk.deskbolt.desk, { from: new Date('2026-10-26T00:00:00Z'), to: WEEK.from });
    expect(weekBefore).toMatchObject({
      solved: 0,
      firstReplies: 1,
      medianFirstReplyMs: 1 * HOUR,
      medianResolutionMs: null,
      firstContactRate: null,
    });
    const again = await deskStats(desk.deskbolt.desk, WEEK);
    expect(again.medianResolutionMs).toBe(14 * HOUR);
  });

  it('takes the median of an odd and an even count', () => {
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('`/ticket stats @ana week` answers with the agent’s figures; a wrong name is refused', async () => {
    desk.clock.set(WEEK.to);
    await desk.slack.command(people.lead, '/ticket', 'stats @ana week');
    await desk.settled();
    const answer = desk.fake.responses().at(-1)!.body;
    expect(answer.text).toBe('Ana — last 7 days: 3 solved');
    const text = JSON.stringify(answer.blocks);
    expect(text).toContain('*Solved*\\n3');
    expect(text).toContain(':+1: 2 · :-1: 1');
    expect(text).toContain('33% (1 of 3)');
    expect(text).toContain('*Median first reply*\\n1 h 15 min');
    expect(text).toContain('*Median resolution*\\n4 h');

    await desk.slack.command(people.ana, '/ticket', 'stats');
    await desk.settled();
    expect(desk.fake.responses().at(-1)!.body.text).toBe('Acme Support — last 7 days: 4 solved');

    // The last 30 days also hold #3's first reply (Ben, 1 h after it was filed, the week before).
    await desk.slack.command(people.ana, '/ticket', 'stats month @ben');
    await desk.settled();
    const month = desk.fake.responses().at(-1)!.body;
    expect(month.text).toBe('Ben — last 30 days: 1 solved');
    expect(JSON.stringify(month.blocks)).toContain('*Median first reply*\\n35 min'); // 10 min and 60 min

    await desk.slack.command(people.ana, '/ticket', 'stats @nobody');
    await desk.settled();
    expect(desk.fake.responses().at(-1)!.body.text).toContain('“@nobody” is neither an agent');
    await desk.slack.command(people.customer, '/ticket', 'stats');
    await desk.settled();
    expect(desk.fake.responses().at(-1)!.body.text).toContain('agents');
  });
});
