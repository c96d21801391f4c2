import { describe, expect, inject, it } from 'vitest';
import { ticketEvent } from '../src/events/ticket-events.js';
import { personHomeId } from '../src/store/homes.js';
import { Store } from '../src/store/store.js';
import { openTestStore } from './support/database.js';
import { changeTicket, fileTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { expectHomeReadModelsMatchTickets } from './support/read-models.js';
import { seedTickets } from './support/seed.js';
import { people } from './support/workspace.js';

/** The Homes kept as read models (issue 29): what an open costs, and what a publish sends. */
describe('App Homes as read models', () => {
  const READS = new Set(['find', 'aggregate', 'count', 'getMore', 'distinct']);

  /** The database reads a Home open makes (the request's own seen-id write and the publish's mark aside). */
  async function readsOfHomeOpen(desk: TestDesk, user: string): Promise<string[]> {
    const reads: string[] = [];
    const stop = desk.store.commands.watch((command) => {
      if (READS.has(command.name)) reads.push(`${command.name} ${command.collection}`);
    });
    try {
      const answer = await desk.slack.event({ type: 'app_home_opened', user, tab: 'home' });
      expect(answer.status).toBe(200);
      await desk.deskbolt.settled();
    } finally {
      stop();
    }
    return reads;
  }

  it('opens an agent’s and a lead’s Home in at most 3 database reads, on a small desk and on a desk of thousands', {
    timeout: 180_000,
  }, async () => {
    const desk = await startTestDesk({ afterSettled: expectHomeReadModelsMatchTickets });
    try {
      const small = {
        agent: await readsOfHomeOpen(desk, people.ana),
        lead: await readsOfHomeOpen(desk, people.lead),
      };
      const now = desk.clock.now().getTime();
      await seedTickets(
        desk.store,
        Array.from({ length: 1500 }, (_, index) => ({
          number: 60_000 + index,
          subject: `Backlog ${index}`,
          createdAt: new Date(now - (index + 1) * 60_000),
          ...(index % 3 === 0 ? {} : { assignee: index % 2 ? people.ana : people.ben, status: 'open' as const }),
        })),
      );
      await desk.store.rebuildReadModels();
      await expectHomeReadModelsMatchTickets(desk.store);
      const large = {
        agent: await readsOfHomeOpen(desk, people.ana),
        lead: await readsOfHomeOpen(desk, people.lead),
      };
      for (const reads of [small.agent, small.lead, large.agent, large.lead])
        expect(reads.length).toBeLessThanOrEqual(3);
      expect(large.agent.length).toBe(small.agent.length);
      expect(large.lead.length).toBe(small.lead.length);
      const text = JSON.stringify(desk.fake.homeView(people.ana));
      expect(text).toContain('*Your open tickets* (500)');
      expect(text).toMatch(/\*Billing\* — 500 unassigned/);
    } finally {
      await desk.close();
    }
  });

  it('publishes nothing when an event changes nothing the person sees', async () => {
    const desk = await startTestDesk({ afterSettled: expectHomeReadModelsMatchTickets });
    try {
      const ticket = await fileTicket(desk.deskbolt.desk);
      await desk.slack.command(people.ben, '/ticket', `take ${ticket.number}`);
      await desk.settled();
      const publishes = () => desk.fake.okCalls('views.publish').filter((call) => call.args.user_id === people.ben);
      const before = publishes().length;
      expect(before).toBeGreaterThan(0);

      // An internal note: Ben's ticket changed, nothing on his Home did.
      const now = desk.clock.now();
      await changeTicket(
        desk.deskbolt.desk,
        ticket.number,
        {},
        {},
        ticketEvent('noted', { kind: 'agent', id: people.ben }, now, { to: { commentId: 'c-note-1' } }),
        now,
      );
      await desk.settled();
      expect(publishes()).toHaveLength(before);

      // What he sees changes: published again.
      await desk.slack.command(people.ben, '/ticket', `take ${(await fileTicket(desk.deskbolt.desk)).number}`);
      await desk.settled();
      expect(publishes()).toHaveLength(before + 1);
    } finally {
      await desk.close();
    }
  });

  it('coalesces a burst of changes into few publishes of the latest state, within Slack’s limit for views.publish', {
    timeout: 120_000,
  }, async () => {
    const desk = await startTestDesk({ afterSettled: expectHomeReadModelsMatchTickets });
    try {
      const tickets = [];
      for (let index = 0; index < 10; index++) tickets.push(await fileTicket(desk.deskbolt.desk));
      await desk.settled();
      desk.fake.enforceRateLimits(() => desk.clock.now().getTime());
      // Slack's Tier 4 bucket of views.publish spent by others' Homes: Ben's wait their turn.
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          desk.slack.event({ type: 'app_home_opened', user: `U0BURST${String(i).padStart(4, '0')}`, tab: 'home' }),
        ),
      );
      await Promise.all(tickets.map((ticket) => desk.slack.command(people.ben, '/ticket', `take ${ticket.number}`)));
      let done = false;
      const settled = desk.settled().then(() => {
        done = true;
      });
      while (!done) {
        await Promise.race([settled, desk.clock.someoneSleeps()]);
        if (done) break;
        desk.clock.advance(500);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const bens = desk.fake.okCalls('views.publish').filter((call) => call.args.user_id === people.ben);
      expect(bens.length).toBeGreaterThan(0);
      expect(bens.length).toBeLessThanOrEqual(3);
      const text = JSON.stringify(desk.fake.homeView(people.ben));
      expect(text).toContain('*Your open tickets* (10)');
      for (const ticket of tickets.slice(-10)) expect(text).toContain(`*#${ticket.number}*`);
    } finally {
      await desk.close();
    }
  });

  it('refuses a publish of an older state than the one last published (a slower replica’s)', async () => {
    const desk = await startTestDesk();
    try {
      const homes = desk.store.homes;
      expect(await homes.claimPublish('UREPLICA1', { version: 5, hash: 'five' })).toBe(true);
      expect(await homes.claimPublish('UREPLICA1', { version: 4, hash: 'four' })).toBe(false);
      expect(await homes.claimPublish('UREPLICA1', { version: 5, hash: 'five' })).toBe(false);
      expect(await homes.claimPublish('UREPLICA1', { version: 5, hash: 'five, a minute later' })).toBe(true);
      expect(await homes.claimPublish('UREPLICA1', { version: 6, hash: 'six' })).toBe(true);
      // The person opened the tab: the same view again, never an older one.
      expect(await homes.claimPublish('UREPLICA1', { version: 6, hash: 'six' }, { again: true })).toBe(true);
      expect(await homes.claimPublish('UREPLICA1', { version: 5, hash: 'five' }, { again: true })).toBe(false);
      const document = await desk.store.connection
        .collection('homes')
        .findOne({ _id: personHomeId('UREPLICA1') } as never);
      expect(document?.published).toEqual({ version: 6, hash: 'six' });
    } finally {
      await desk.close();
    }
  });

  it('is rebuilt from the tickets when a start finds data marked by older code, and by the command', async () => {
    const dbName = `t_homesmark_${Date.now().toString(36)}`;
    const first = await openTestStore('homesmark', { dbName });
    const desk = await startTestDesk({ store: first });
    try {
      const ticket = await fileTicket(desk.deskbolt.desk);
      await desk.slack.command(people.cho, '/ticket', `take ${ticket.number}`);
      await desk.settled();
    } finally {
      await desk.close();
    }
    // Data from before the Homes were kept: no documents, no mark.
    await first.connection
      .db!.collection('homes')
      .deleteMany({ _id: { $in: [personHomeId(people.cho), 'group:10'] } } as never);
    await first.connection.db!.collection('read_model_marks').deleteOne({ _id: 'homes' } as never);
    await first.close();

    const second = await Store.open({ uri: inject('mongodbUri'), dbName });
    try {
      const cho = (await second.homes.read([people.cho], [10])).persons.get(people.cho)!;
      expect(cho.tickets.openCount).toBe(1);
      await expectHomeReadModelsMatchTickets(second);
      await second.connection.db!.collection('homes').deleteOne({ _id: personHomeId(people.cho) } as never);
      // The mark is current now: a start leaves the documents be; the command rebuilds them.
      expect((await second.rebuildReadModels({ onlyWhenOlder: true })).rebuilt).toEqual([]);
      expect((await second.rebuildReadModels()).rebuilt).toContain('homes');
      expect((await second.homes.read([people.cho], [])).persons.get(people.cho)!.tickets.openCount).toBe(1);
      await expectHomeReadModelsMatchTickets(second);
    } finally {
      await second.connection.dropDatabase();
      await second.close();
    }
  });
});
