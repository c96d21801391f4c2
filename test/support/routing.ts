import { expect } from 'vitest';
import { actionIds } from '../../blocks/ids.js';
import type { RoutingSettings } from '../../src/workspace/schema.js';
import { fileTicket } from './desk.js';
import type { TestDesk } from './harness.js';
import { testWorkspace } from './workspace.js';

/**
 * Routing's tests give each story a group and agents of its own (the suite runs shuffled, and an
 * agent's availability, load and turn are the desk's, not the test's): `routingGroup(31, ...)` is
 * group 31 with agents UR31A01…, its lead UR31L00, and its channel CR31ALERT.
 */
export interface RoutingGroupSpec {
  id: number;
  agents: number;
  routing?: Partial<RoutingSettings> & { caps?: Record<string, number> };
}

export function agentOf(groupId: number, index: number): string {
  return `UR${groupId}A${String(index).padStart(2, '0')}`;
}

export function leadOf(groupId: number): string {
  return `UR${groupId}L00`;
}

export function channelOf(groupId: number): string {
  return `CR${groupId}ALERT`;
}

export function routingWorkspace(specs: readonly RoutingGroupSpec[]) {
  const base = testWorkspace();
  return testWorkspace({
    groups: [
      ...base.groups,
      ...specs.map((spec) => ({
        name: `Team ${spec.id}`,
        id: spec.id,
        alertChannel: channelOf(spec.id),
        ...(spec.routing ? { routing: spec.routing } : {}),
      })),
    ],
    agents: [
      ...base.agents,
      ...specs.flatMap((spec) => [
        { user: leadOf(spec.id), name: `Lead ${spec.id}`, groups: [spec.id], role: 'lead' },
        ...Array.from({ length: spec.agents }, (_, index) => ({
          user: agentOf(spec.id, index + 1),
          name: `Agent ${spec.id}-${index + 1}`,
          groups: [spec.id],
        })),
      ]),
    ],
  });
}

/** A test's view of routing on a desk: what people do, and what they were offered. */
export function routingSteps(desk: TestDesk) {
  const lastAnswer = () => String(desk.fake.responses().at(-1)?.body.text ?? '');

  async function command(user: string, text: string): Promise<string> {
    await desk.slack.command(user, '/ticket', text);
    await desk.settled();
    return lastAnswer();
  }

  async function online(...users: string[]): Promise<void> {
    for (const user of users) expect(await command(user, 'status online')).toContain('online');
  }

  async function file(groupId: number, overrides: Parameters<typeof fileTicket>[1] = {}) {
    const ticket = await fileTicket({ ...desk.deskbolt.desk, testClock: desk.clock }, { groupId, ...overrides });
    await desk.settled();
    return ticket;
  }

  /** The offer out for a ticket now, if any. */
  const openOffer = (number: number) => desk.store.routing.openOf(number);

  /** The offer's DM as the agent sees it now. */
  async function offerMessage(offerId: string) {
    const offer = (await desk.store.routing.get(offerId))!;
    expect(offer.message, `offer ${offerId} was posted`).not.toBeNull();
    return desk.fake.messages(offer.message!.channel).find((message) => message.ts === offer.message!.ts)!;
  }

  /** The offer's DMs to this agent: one per offer. */
  const offersTo = (user: string) =>
    desk.fake.dmsTo(user).filter((call) => JSON.stringify(call.args.blocks ?? []).includes(actionIds.acceptOffer));

  async function click(user: string, actionId: string, offerId: string): Promise<string> {
    const message = await offerMessage(offerId);
    // An offer already answered shows no buttons; a click from a screen that has not refreshed yet still arrives.
    const onScreen = JSON.stringify(message.blocks ?? []).includes(actionId);
    await desk.slack.blockAction(
      user,
      { action_id: actionId, value: offerId },
      onScreen ? { channel: message.channel, message: { ts: message.ts } } : { channel: message.channel },
    );
    await desk.settled();
    return lastAnswer();
  }

  const history = async (number: number) => desk.store.tickets.history(number);
  const actions = async (number: number) => (await history(number)).map((event) => event.action);

  return { command, online, file, openOffer, offerMessage, offersTo, click, history, actions, lastAnswer };
}
