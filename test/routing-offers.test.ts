import { describe, expect, it } from 'vitest';
import { actionIds } from '../blocks/ids.js';
import { MINUTE_MS } from '../src/clock.js';
import { ticketEvent } from '../src/events/ticket-events.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import { changeTicket } from './support/desk.js';
import { agentOf, channelOf, leadOf, routingSteps, routingWorkspace } from './support/routing.js';
import { useTestDesk } from './support/use-test-desk.js';
import { channels } from './support/workspace.js';

const routingJob = deskJob('routing-offers');

/** Assignment that runs itself: offers to online agents under a cap, answered by Accept / Pass, passed on by time. */
describe('routing offers', () => {
  const desk = useTestDesk({
    workspace: routingWorkspace([
      { id: 31, agents: 4, routing: { mode: 'round-robin', cap: 1, caps: { [agentOf(31, 3)]: 0 } } },
      { id: 32, agents: 3, routing: { mode: 'least-busy' } },
      { id: 33, agents: 2, routing: { mode: 'round-robin', offerTimeoutMinutes: 5 } },
      { id: 34, agents: 2, routing: { mode: 'round-robin' } },
      { id: 35, agents: 2, routing: { mode: 'round-robin' } },
      { id: 36, agents: 2, routing: { mode: 'least-busy' } },
    ]),
  });
  const steps = routingSteps(desk);
  const { file, online, openOffer, offerMessage, offersTo, click, command, actions } = steps;
  /** What the group's channel heard of routing (its live ticket messages aside). */
  const nobodyAcceptedIn = (groupId: number) =>
    desk.fake
      .okCalls('chat.postMessage')
      .filter((call) => call.args.channel === channelOf(groupId) && String(call.args.text).includes('Nobody accepted'));

  it('round-robin offers to the online agents in turn, passes over an agent at the cap or capped out, and skips who is offline', async () => {
    const [a, b, c, d] = [1, 2, 3, 4].map((index) => agentOf(31, index)) as [string, string, string, string];
    await online(a, b, c);

    const first = await file(31, { subject: 'Refund <!channel> & more' });
    const offer = (await openOffer(first.number))!;
    expect(offer).toMatchObject({ agent: a, state: 'offered' });
    const dm = offersTo(a).at(-1)!;
    expect(String(dm.args.text)).toBe(`deskbolt offers you #${first.number}: Refund &lt;!channel&gt; &amp; more`);
    const blocks = JSON.stringify(dm.args.blocks);
    expect(blocks).toContain(actionIds.passOffer);
    // The card to decide from, without its own buttons: the offer is answered with Accept or Pass.
    expect(blocks).toContain(`#${first.number}`);
    expect(blocks).not.toContain(actionIds.take);
    const [offered] = (await steps.history(first.number)).filter((event) => event.action === 'routing_offered');
    expect(offered).toMatchObject({
      actor: { kind: 'system', name: 'deskbolt' },
      to: { agent: a, mode: 'round-robin' },
      note: offer.id,
    });

    expect(await click(a, actionIds.acceptOffer, offer.id)).toBe(`You took #${first.number}.`);
    expect(await desk.store.tickets.get(first.number)).toMatchObject({ assignee: a, status: 'open' });
    const taken = (await steps.history(first.number)).find((event) => event.action === 'taken')!;
    expect(taken).toMatchObject({ actor: { kind: 'agent', id: a }, note: 'offer' });
    const accepted = await offerMessage(offer.id);
    expect(JSON.stringify(accepted.blocks)).not.toContain(actionIds.acceptOffer);
    expect(JSON.stringify(accepted.blocks)).toContain('You accepted: it is yours.');
    expect(await click(a, actionIds.acceptOffer, offer.id)).toBe(`You already accepted #${first.number}.`);

    // Next in turn: b.
    const second = await file(31);
    const toB = (await openOffer(second.number))!;
    expect(toB.agent).toBe(b);
    await click(b, actionIds.acceptOffer, toB.id);

    // a and b are at the group's cap of 1, c's own cap is 0, d is offline: nobody is offered, nobody told.
    desk.fake.clearCalls();
    const third = await file(31);
    expect(await openOffer(third.number)).toBeNull();
    expect(await actions(third.number)).toEqual(['created']);
    expect([a, b, c, d].flatMap(offersTo)).toEqual([]);
    expect(nobodyAcceptedIn(31)).toEqual([]);

    // d comes online: what waited is offered to d.
    await online(d);
    expect(await openOffer(third.number)).toMatchObject({ agent: d });
    expect(offersTo(d)).toHaveLength(1);

    const show = await command(leadOf(31), 'routing Team 31 show');
    expect(show).toContain('Routing for Team 31 is *on*: `round-robin`');
    expect(show).toContain(`:white_circle: <@${c}> — out of the rotation (cap 0)`);
    expect(show).toContain(`<@${a}> — at the cap (1/1)`);
  });

  it('least-busy offers to the agent with the fewest open tickets; each Pass goes on, and when nobody accepts the channel hears once', async () => {
    const [a, b, c] = [1, 2, 3].map((index) => agentOf(32, index)) as [string, string, string];
    // Load from a group without routing: b has two open tickets, a one, c none.
    for (const agent of [b, b, a]) {
      const held = await file(10);
      const now = desk.clock.now();
      await changeTicket(
        desk.deskbolt.desk,
        held.number,
        {},
        { assignee: agent, status: 'open' },
        ticketEvent('assigned', { kind: 'agent', id: agent }, now, {
          from: { assignee: null },
          to: { assignee: agent },
        }),
        now,
      );
    }
    await online(a, b, c);
    const ticket = await file(32);
    const order: string[] = [];
    for (let step = 0; step < 3; step++) {
      const offer = (await openOffer(ticket.number))!;
      order.push(offer.agent);
      expect(await click(offer.agent, actionIds.passOffer, offer.id)).not.toContain('no longer');
      expect(JSON.stringify((await offerMessage(offer.id)).blocks)).toContain('You passed');
    }
    expect(order).toEqual([c, a, b]);
    expect(await openOffer(ticket.number)).toBeNull();
    expect(await desk.store.tickets.get(ticket.number)).toMatchObject({ assignee: null, status: 'new' });
    const told = () => nobodyAcceptedIn(32);
    expect(told()).toHaveLength(1);
    expect(String(told()[0]!.args.text)).toContain(`Nobody accepted #${ticket.number}`);
    const passed = (await steps.history(ticket.number)).filter((event) => event.action === 'routing_passed');
    expect(passed.map((event) => [event.actor.id, event.to.because])).toEqual([
      [c, 'pass'],
      [a, 'pass'],
      [b, 'pass'],
    ]);
    expect((await actions(ticket.number)).filter((action) => action === 'routing_unanswered')).toHaveLength(1);

    // A late Pass, the job, and a repeat of the last answer tell nobody again.
    const [last] = (await steps.history(ticket.number)).filter((event) => event.action === 'routing_offered').slice(-1);
    await click(b, actionIds.passOffer, last!.note!);
    desk.clock.advance(10 * MINUTE_MS);
    await desk.deskbolt.jobs.run(routingJob);
    expect(told()).toHaveLength(1);
    expect(await openOffer(ticket.number)).toBeNull();
  });

  it('an offer nobody answers in time is passed on by the job, by deskbolt; a late Accept is refused', async () => {
    const [a, b] = [agentOf(33, 1), agentOf(33, 2)];
    await online(a, b);
    const ticket = await file(33);
    const first = (await openOffer(ticket.number))!;
    expect(first.agent).toBe(a);
    expect(first.expiresAt.getTime() - first.offeredAt.getTime()).toBe(5 * MINUTE_MS);

    desk.clock.advance(4 * MINUTE_MS);
    await desk.deskbolt.jobs.run(routingJob);
    expect((await openOffer(ticket.number))!.id).toBe(first.id);

    desk.clock.advance(MINUTE_MS);
    await desk.deskbolt.jobs.run(routingJob);
    const next = (await openOffer(ticket.number))!;
    expect(next.agent).toBe(b);
    expect(offersTo(b)).toHaveLength(1);
    expect(JSON.stringify((await offerMessage(first.id)).blocks)).toContain('No answer in time');
    const [passed] = (await steps.history(ticket.number)).filter((event) => event.action === 'routing_passed');
    expect(passed).toMatchObject({
      actor: { kind: 'system', name: 'deskbolt' },
      from: { agent: a },
      to: { because: 'timeout' },
    });

    expect(await click(a, actionIds.acceptOffer, first.id)).toContain('ran out and went to the next agent');
    expect((await desk.store.tickets.get(ticket.number))!.assignee).toBeNull();
    // Someone else's offer is not theirs to answer.
    expect(await click(a, actionIds.acceptOffer, next.id)).toBe(
      `This offer of #${ticket.number} is for <@${b}>; only they can answer it.`,
    );
  });

  it('an agent who goes offline in the middle of an offer passes it on at once', async () => {
    const [a, b] = [agentOf(34, 1), agentOf(34, 2)];
    await online(a, b);
    const ticket = await file(34);
    const first = (await openOffer(ticket.number))!;
    expect(first.agent).toBe(a);
    await command(a, 'status offline');
    expect((await openOffer(ticket.number))!.agent).toBe(b);
    expect(JSON.stringify((await offerMessage(first.id)).blocks)).toContain('You went offline');
    const [passed] = (await steps.history(ticket.number)).filter((event) => event.action === 'routing_passed');
    expect(passed).toMatchObject({ actor: { name: 'deskbolt' }, to: { because: 'offline' } });
  });

  it('a ticket taken by hand while an offer is out cancels the offer, and its DM says so', async () => {
    const [a, b] = [agentOf(35, 1), agentOf(35, 2)];
    await online(a, b);
    const ticket = await file(35);
    const offer = (await openOffer(ticket.number))!;
    expect(offer.agent).toBe(a);
    expect(await command(b, `take ${ticket.number}`)).toBe(`You took #${ticket.number}.`);
    expect(await openOffer(ticket.number)).toBeNull();
    expect((await desk.store.routing.get(offer.id))!.state).toBe('cancelled');
    const message = await offerMessage(offer.id);
    expect(JSON.stringify(message.blocks)).not.toContain(actionIds.acceptOffer);
    expect(JSON.stringify(message.blocks)).toContain(`<@${b}> has it now: it is no longer offered to you.`);
    expect(await actions(ticket.number)).toEqual(['created', 'routing_offered', 'taken', 'routing_cancelled']);
    expect(await click(a, actionIds.acceptOffer, offer.id)).toBe(
      `#${ticket.number} is no longer offered to you: it was taken or moved meanwhile.`,
    );
    expect((await desk.store.tickets.get(ticket.number))!.assignee).toBe(b);
  });

  it('a rotation with nobody online offers nothing and sends nothing', async () => {
    const ticket = await file(36);
    expect(await openOffer(ticket.number)).toBeNull();
    expect(await actions(ticket.number)).toEqual(['created']);
    expect([agentOf(36, 1), agentOf(36, 2)].flatMap(offersTo)).toEqual([]);
    expect(nobodyAcceptedIn(36)).toEqual([]);
    await desk.deskbolt.jobs.run(routingJob);
    expect(await actions(ticket.number)).toEqual(['created']);
  });

  it('a group whose file says nothing about routing offers nothing (it is off by default)', async () => {
    const ticket = await file(10);
    expect(await openOffer(ticket.number)).toBeNull();
    expect(
      desk.fake
        .okCalls('chat.postMessage')
        .filter((call) => call.args.channel === channels.billingAlerts)
        .map((call) => call.args.text),
    ).not.toContainEqual(expect.stringContaining('Nobody accepted'));
  });
});
