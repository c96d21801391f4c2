import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../src/clock.js';
import { FakeSlack } from '../src/fake-slack/server.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import type { Store } from '../src/store/store.js';
import { agentCameOnline, expireRoutingOffers, offerTicket } from '../src/tickets/routing.js';
import { TestClock } from './support/clock.js';
import { openTestStore } from './support/database.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { agentOf, leadOf, routingSteps, routingWorkspace } from './support/routing.js';
import { workspaceChannels } from './support/workspace.js';

const routingJob = deskJob('routing-offers');
const workspace = routingWorkspace([
  { id: 41, agents: 3, routing: { mode: 'round-robin' } },
  { id: 42, agents: 1, routing: { mode: 'round-robin' } },
  { id: 45, agents: 2, routing: { mode: 'least-busy' } },
]);

/** Two replicas of the app on one database, one clock, one Slack: each offer is made, passed on and told once. */
describe('routing with two replicas', () => {
  let store: Store;
  let fake: FakeSlack;
  let one: TestDesk;
  let other: TestDesk;
  const clock = new TestClock();

  beforeAll(async () => {
    store = await openTestStore('routingreplicas');
    fake = await FakeSlack.start();
    fake.inviteBot(...workspaceChannels(workspace));
    one = await startTestDesk({ store, fake, clock, workspace });
    other = await startTestDesk({ store, fake, clock, workspace });
  });
  afterAll(async () => {
    await one?.close();
    await other?.close();
    await fake?.close();
    await store?.connection.dropDatabase();
    await store?.close();
  });

  const settled = () => Promise.all([one.settled(), other.settled()]);
  const passes = async (number: number) =>
    (await store.tickets.history(number)).filter((event) => event.action === 'routing_passed');

  it('an offer that runs out is passed on once, whichever replicas look at it, and each agent hears once', async () => {
    const steps = routingSteps(one);
    const [a, b, c] = [1, 2, 3].map((index) => agentOf(41, index)) as [string, string, string];
    await steps.online(a, b, c);
    const ticket = await steps.file(41);
    expect((await store.routing.openOf(ticket.number))!.agent).toBe(a);
    expect(steps.offersTo(a)).toHaveLength(1);

    clock.advance(5 * MINUTE_MS);
    const runs = await Promise.all([one.deskbolt.jobs.run(routingJob), other.deskbolt.jobs.run(routingJob)]);
    await settled();
    expect(runs.filter((run) => run.ran).length).toBeGreaterThanOrEqual(1);
    expect(await passes(ticket.number)).toHaveLength(1);
    expect((await store.routing.openOf(ticket.number))!.agent).toBe(b);
    expect(steps.offersTo(b)).toHaveLength(1);

    // Even without the lease (a replica whose lease ran out mid-run), the answer's conditional write lets one pass it on.
    clock.advance(5 * MINUTE_MS);
    const results = await Promise.all([
      expireRoutingOffers(one.deskbolt.desk, clock.now()),
      expireRoutingOffers(other.deskbolt.desk, clock.now()),
    ]);
    await settled();
    // The file's other tests may leave offers that run out at this same moment: this ticket's history says it was passed on once.
    expect(results[0].passedOn + results[1].passedOn).toBeGreaterThanOrEqual(1);
    expect(await passes(ticket.number)).toHaveLength(2);
    expect((await store.routing.openOf(ticket.number))!.agent).toBe(c);
    expect(steps.offersTo(c)).toHaveLength(1);
    expect(steps.offersTo(a)).toHaveLength(1);
    expect(steps.offersTo(b)).toHaveLength(1);
  });

  it('two replicas starting the same rounds at once make one offer per ticket, and the agent hears once', async () => {
    const steps = routingSteps(one);
    const [a, b] = [agentOf(45, 1), agentOf(45, 2)];
    const waiting = [await steps.file(45), await steps.file(45)];
    for (const ticket of waiting) expect(await store.routing.openOf(ticket.number)).toBeNull();
    await store.chats.setAvailability(a, 'online', clock.now());
    await Promise.all([agentCameOnline(one.deskbolt.desk, a), agentCameOnline(other.deskbolt.desk, a)]);
    await settled();
    for (const ticket of waiting) expect((await store.routing.openOf(ticket.number))!.agent).toBe(a);
    expect(steps.offersTo(a)).toHaveLength(2);

    // The same event handed out twice (a sweep after a crash, on both replicas): one round, one offer.
    await store.chats.setAvailability(b, 'online', clock.now());
    const fresh = await steps.file(45);
    const [created] = await store.tickets.history(fresh.number);
    const offers = await Promise.all([
      offerTicket(one.deskbolt.desk, fresh.number, created!.id),
      offerTicket(other.deskbolt.desk, fresh.number, created!.id),
    ]);
    await settled();
    expect(offers.filter((offer) => offer !== null)).toEqual([]);
    expect((await store.routing.openOf(fresh.number))!.agent).toBe(b);
    expect(steps.offersTo(b)).toHaveLength(1);
  });

  it('a lead’s switch made on one replica holds on the other (it is kept in the database)', async () => {
    const agent = agentOf(42, 1);
    await routingSteps(one).online(agent);
    expect(await routingSteps(other).command(leadOf(42), 'routing Team 42 off')).toContain('is *off*');
    const ticket = await routingSteps(one).file(42);
    expect(await store.routing.openOf(ticket.number)).toBeNull();
    expect(await routingSteps(one).command(leadOf(42), 'routing Team 42 on')).toContain('is *on*');
    const next = await routingSteps(other).file(42);
    expect((await store.routing.openOf(next.number))!.agent).toBe(agent);
  });
});
