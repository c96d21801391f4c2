import { describe, expect, it } from 'vitest';
import { ticketEvent } from '../src/events/ticket-events.js';
import type { Priority } from '../src/tickets/types.js';
import { changeTicket } from './support/desk.js';
import { expectReadModelsMatchTickets } from './support/read-models.js';
import { agentOf, routingSteps, routingWorkspace } from './support/routing.js';
import { useTestDesk } from './support/use-test-desk.js';

/** One order for the queue view, `/ticket next` and routing's offers: urgent and high first, then oldest. */
describe('the queue’s order', () => {
  const desk = useTestDesk({
    workspace: routingWorkspace([
      { id: 43, agents: 1 },
      { id: 44, agents: 1, routing: { mode: 'round-robin', cap: 2 } },
    ]),
    // The queue's own collection is compared with the tickets after every step: a priority it missed fails here.
    afterSettled: expectReadModelsMatchTickets,
  });
  const { command, file, online, offersTo } = routingSteps(desk);

  /** Ticket numbers in the order the last answer lists them. */
  const listed = () =>
    [...JSON.stringify(desk.fake.responses().at(-1)!.body.blocks).matchAll(/\*#(\d+)\*/g)].map((match) =>
      Number(match[1]),
    );

  async function fileEach(groupId: number, priorities: readonly Priority[]) {
    const numbers: Record<string, number> = {};
    for (const [index, priority] of priorities.entries())
      numbers[`${priority}${index}`] = (await file(groupId, { priority, subject: `${priority} ${index}` })).number;
    return numbers;
  }

  it('the queue view and /ticket next take urgent and high first, then the oldest, and follow a priority changed while waiting', async () => {
    const agent = agentOf(43, 1);
    const t = await fileEach(43, ['low', 'normal', 'high', 'urgent', 'normal']);
    await command(agent, 'queue Team 43');
    expect(String(desk.fake.responses().at(-1)!.body.text)).toBe('5 waiting in Team 43');
    expect(listed()).toEqual([t.urgent3, t.high2, t.low0, t.normal1, t.normal4]);

    // The newest normal ticket is made urgent: it goes right after the other urgent one (older).
    const now = desk.clock.now();
    await changeTicket(
      desk.deskbolt.desk,
      t.normal4!,
      {},
      { priority: 'urgent' },
      ticketEvent('priority_changed', { kind: 'agent', id: agent }, now, {
        from: { priority: 'normal' },
        to: { priority: 'urgent' },
      }),
      now,
    );
    await desk.settled();
    await command(agent, 'queue Team 43');
    expect(listed()).toEqual([t.urgent3, t.normal4, t.high2, t.low0, t.normal1]);

    const taken: string[] = [];
    for (let step = 0; step < 4; step++) taken.push(await command(agent, 'next'));
    expect(taken).toEqual([t.urgent3, t.normal4, t.high2, t.low0].map((number) => `You took #${number}.`));
  });

  it('an agent coming online is offered what waited in the same order, as far as their cap goes', async () => {
    const agent = agentOf(44, 1);
    const t = await fileEach(44, ['normal', 'low', 'high', 'urgent']);
    expect(offersTo(agent)).toEqual([]);
    await online(agent);
    // A cap of 2: the two first in queue order, not the two oldest.
    const offered = offersTo(agent).map((call) => Number(/#(\d+)/.exec(String(call.args.text))![1]));
    expect(offered.sort()).toEqual([t.high2, t.urgent3].sort());
    expect(await desk.store.routing.openOf(t.normal0!)).toBeNull();
    expect(await desk.store.routing.openOf(t.low1!)).toBeNull();
  });
});
