import type { Availability, AgentState } from '../store/agent-state.js';
import { agentOrRefusal } from '../tickets/permissions.js';
import type { Desk, Refusal } from '../tickets/desk.js';

export type { Availability };

/** Until an agent says otherwise they are away: no chat is routed to someone who never said they are there. */
export const DEFAULT_AVAILABILITY: Availability = 'away';

export async function availabilityOf(desk: Desk, agent: string): Promise<Availability> {
  return (await desk.store.agentState.get(agent))?.availability ?? DEFAULT_AVAILABILITY;
}

export async function setAvailability(desk: Desk, agent: string, availability: Availability): Promise<{ ok: true; state: AgentState } | Refusal> {
  const allowed = agentOrRefusal(desk, agent);
  if (!allowed.ok) return allowed;
  return { ok: true, state: await desk.store.agentState.set(agent, availability, desk.clock()) };
}
