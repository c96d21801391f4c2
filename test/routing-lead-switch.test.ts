import { describe, expect, it } from 'vitest';
import { actionIds } from '../blocks/ids.js';
import { escalateTicket } from '../src/tickets/escalation.js';
import { agentOf, leadOf, routingSteps, routingWorkspace } from './support/routing.js';
import { useTestDesk } from './support/use-test-desk.js';
import { people } from './support/workspace.js';

/** A lead switches a group's routing from Slack (kept in the database, over the file's mode); tickets re-entering a queue are offered. */
describe('routing, switched by a lead and started by every way into a queue', () => {
  const desk = useTestDesk({
    workspace: routingWorkspace([
      { id: 37, agents: 2 },
      { id: 38, agents: 2, routing: { mode: 'round-robin' } },
      { id: 39, agents: 1, routing: { mode: 'least-busy' } },
      { id: 40, agents: 1, routing: { mode: 'least-busy' } },
    ]),
  });
  const { command, online, file, openOffer, click, actions } = routingSteps(desk);

  it('a lead turns routing on and off for a group and sees who is in the rotation; the switch outlives the file’s mode', async () => {
    const [a, b] = [agentOf(37, 1), agentOf(37, 2)];
    await online(a);
    expect(await command(leadOf(37), 'routing Team 37 show')).toBe(
      [
        'Routing for Team 37 is *off*.',
        'As the workspace file says.',
        'In the rotation now: 1 of 3.',
        `:white_circle: <@${leadOf(37)}> — offline`,
        `:large_green_circle: <@${a}> — 0/10 open`,
        `:white_circle: <@${b}> — offline`,
      ].join('\n'),
    );
    const before = await file(37);
    expect(await openOffer(before.number)).toBeNull();

    expect(await command(leadOf(37), 'routing 37 on')).toContain(
      `Routing for Team 37 is *on*: \`round-robin\`, offers wait 5 min.\nSwitched on by <@${leadOf(37)}>: this overrides the workspace file's \`off\` until switched again.\nOffered 1 waiting ticket now, urgent and oldest first.`,
    );
    expect(await desk.store.routing.switches([37])).toEqual(
      new Map([[37, { groupId: 37, on: true, by: leadOf(37), at: desk.clock.now() }]]),
    );
    // What waited while routing was off is offered at once, not left for the next ticket to start a round.
    expect((await openOffer(before.number))!.agent).toBe(a);
    const after = await file(37);
    expect((await openOffer(after.number))!.agent).toBe(a);

    expect(await command(leadOf(37), 'routing team 37 off')).toContain(
      'Routing for Team 37 is *off*.\nSwitched off by',
    );
    const offAgain = await file(37);
    expect(await openOffer(offAgain.number)).toBeNull();
    expect(await actions(offAgain.number)).toEqual(['created']);
  });

  it('the switch is for leads of the group and admins: others are refused, and bad words are answered', async () => {
    const before = await desk.store.routing.switches([37]);
    expect(await command(agentOf(37, 1), 'routing Team 37 on')).toBe(
      'Only a team lead of Team 37 or an admin switches its routing or sees its rotation.',
    );
    // A lead of another group leads nothing here.
    expect(await command(people.lead, 'routing Team 37 show')).toBe(
      'Only a team lead of Team 37 or an admin switches its routing or sees its rotation.',
    );
    expect(await command(people.customer, 'routing Team 37 on')).toContain('only support agents can work tickets');
    expect(await command(leadOf(37), 'routing Team 37 maybe')).toBe(
      'Say which group, and on, off or show: `/ticket routing Billing on`.',
    );
    expect(await command(leadOf(37), 'routing <!channel> on')).toContain('There is no group “&lt;!channel&gt;”');
    expect(await desk.store.routing.switches([37])).toEqual(before);
  });

  it('help lists the routing switch to leads only; an agent who types it anyway is refused in its words', async () => {
    const helpOf = async (user: string) => {
      await desk.slack.command(user, '/ticket', 'help');
      await desk.settled();
      return JSON.stringify(desk.fake.responses().at(-1)!.body.blocks);
    };
    expect(await helpOf(leadOf(37))).toContain('/ticket routing GROUP on|off|show');
    const agentHelp = await helpOf(agentOf(37, 1));
    expect(agentHelp).toContain('/ticket take N');
    expect(agentHelp).not.toContain('routing GROUP');
    expect(await helpOf(people.customer)).not.toContain('routing GROUP');
    expect(await command(agentOf(37, 1), 'routing Team 37 show')).toBe(
      'Only a team lead of Team 37 or an admin switches its routing or sees its rotation.',
    );
  });

  it('a ticket released to the queue is offered again, in a round of its own', async () => {
    const [a, b] = [agentOf(38, 1), agentOf(38, 2)];
    await online(a, b);
    const ticket = await file(38);
    const first = (await openOffer(ticket.number))!;
    await click(first.agent, actionIds.acceptOffer, first.id);
    expect(await command(first.agent, `release ${ticket.number}`)).toContain(`Released #${ticket.number} to the queue`);
    const again = (await openOffer(ticket.number))!;
    expect(again.round).not.toBe(first.round);
    expect(again.agent).toBe(first.agent === a ? b : a);
  });

  it('a ticket escalated into a routed group is offered there; the offer in its old group is cancelled', async () => {
    const [from, to] = [agentOf(39, 1), agentOf(40, 1)];
    await online(from, to);
    const ticket = await file(39);
    const first = (await openOffer(ticket.number))!;
    expect(first.agent).toBe(from);
    const escalated = await escalateTicket(desk.deskbolt.desk, {
      number: ticket.number,
      agent: leadOf(39),
      groupId: 40,
      note: 'Needs the other team',
    });
    expect(escalated.ok).toBe(true);
    await desk.settled();
    expect((await desk.store.routing.get(first.id))!.state).toBe('cancelled');
    expect(await openOffer(ticket.number)).toMatchObject({ agent: to, groupId: 40 });
  });
});
