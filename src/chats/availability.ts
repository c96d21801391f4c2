import { type Desk, type Refusal, refuse } from '../tickets/desk.js';
import { agentOrRefusal } from '../tickets/permissions.js';
import { AVAILABILITIES, type Availability } from './types.js';

/**
 * `/ticket status online` and the App Home toggle: stored per agent; an agent never seen is offline.
 * Both doors lead here, so coming online always brings what waits for that moment (queued transfers)
 * and every home that shows the agent follows — told by the signal, not by the door.
 */
export async function setAvailability(
  desk: Desk,
  agentId: string,
  wanted: string,
): Promise<{ ok: true; availability: Availability } | Refusal> {
  const allowed = agentOrRefusal(desk, agentId);
  if (!allowed.ok) return allowed;
  const availability = wanted.trim().toLowerCase() as Availability;
  if (!AVAILABILITIES.includes(availability)) {
    return refuse('not_an_availability', { typed: wanted });
  }
  const previous = await availabilityOf(desk, agentId);
  await desk.store.chats.setAvailability(agentId, availability, desk.clock());
  if (previous !== availability)
    desk.events.signal({ type: 'availability_changed', agent: agentId, availability, previous });
  return { ok: true, availability };
}

export async function availabilityOf(desk: Desk, agentId: string): Promise<Availability> {
  return (await desk.store.chats.availabilities([agentId])).get(agentId)!;
}

/** Each agent's availability, for wherever an agent is picked (transfer modal, lead's view). */
export async function availabilities(desk: Desk, agentIds: readonly string[]): Promise<Map<string, Availability>> {
  return desk.store.chats.availabilities(agentIds);
}

/** The agents of a group who take chats and said they are online: the only ones an incoming chat pings. */
export async function onlineAgentsOf(
  desk: Desk,
  groupId: number,
  options: { leadsOnly?: boolean } = {},
): Promise<string[]> {
  const agents = desk.directory
    .agentsOf(groupId)
    .filter((agent) => desk.directory.takesChats(agent.user))
    .filter((agent) => !options.leadsOnly || desk.directory.isLeadOf(agent.user, groupId))
    .map((agent) => agent.user);
  const states = await desk.store.chats.availabilities(agents);
  return agents.filter((agent) => states.get(agent) === 'online');
}
