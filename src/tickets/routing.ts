import type { Availability } from '../chats/types.js';
import { MINUTE_MS } from '../clock.js';
import { type RoutingModeOn, type RoutingPassedBecause, ticketEvent } from '../events/ticket-events.js';
import type { Subscriber } from '../events/types.js';
import type { Group, RoutingSettings } from '../workspace/schema.js';
import { mayAssign } from './assignment-rules.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import { agentOrRefusal } from './permissions.js';
import type { RoutingOffer, RoutingSwitch } from './routing-types.js';
import { type TakeResult, takeTicket } from './take.js';
import type { Actor, Ticket } from './types.js';

/**
 * Assignment that runs itself (docs/routing.md): a ticket that enters a group's queue (new, escalated
 * in, released) is offered to one online agent of the group at a time, in turn (`round-robin`) or to
 * the least busy, each under a cap of open tickets. The agent accepts (the ticket is taken as Take it
 * takes it) or passes; no answer in time, or going offline, passes too. When every online agent of the
 * rotation was offered it and none accepted, the ticket stays in the queue and the group hears once.
 *
 * Exactly once without transactions: one offer out per ticket (a unique open key), one offer per agent
 * and round (the offer's id), and every answer one conditional write, so of an accept, a pass, the
 * timeout job on two replicas and a hand take, one wins and only the winner offers the next agent.
 */

/** Routing's own acts are shown in the history as done by deskbolt. */
export const ROUTING_ACTOR: Actor = { kind: 'system', id: 'routing', name: 'deskbolt' };

export type RoutingMode = 'off' | RoutingModeOn;

const DEFAULT_ROUTING: RoutingSettings = { mode: 'off', cap: 10, caps: {}, offerTimeoutMinutes: 5 };
/** How long "the group was told nobody accepted" is remembered per round: longer than any rotation runs. */
const UNANSWERED_MEMORY_MS = 7 * 24 * 60 * MINUTE_MS;

export function routingSettingsOf(group: Group): RoutingSettings {
  return group.routing ?? DEFAULT_ROUTING;
}

/** The file's mode, overridden by a lead's switch: off is off; on is the file's mode, or round-robin when the file says off. */
export function effectiveMode(fileMode: RoutingMode, switched: RoutingSwitch | undefined): RoutingMode {
  if (!switched) return fileMode;
  if (!switched.on) return 'off';
  return fileMode === 'off' ? 'round-robin' : fileMode;
}

async function modeOf(desk: Desk, group: Group): Promise<RoutingMode> {
  const switched = (await desk.store.routing.switches([group.id])).get(group.id);
  return effectiveMode(routingSettingsOf(group).mode, switched);
}

function capOf(settings: RoutingSettings, agent: string): number {
  return settings.caps[agent] ?? settings.cap;
}

/** Whether a ticket waits for an agent: what routing offers, and what makes an offer stand. */
function waits(ticket: Ticket): boolean {
  return (
    ticket.assignee === null && (ticket.status === 'new' || ticket.status === 'open') && ticket.mergedInto === null
  );
}

export interface RotationMember {
  agent: string;
  name: string;
  availability: Availability;
  /** Open tickets (new, open, pending) plus offers out to them: what the cap and least-busy count. */
  load: number;
  cap: number;
  /** In the rotation now: online and under the cap. */
  inRotation: boolean;
}

/** The group's agents as routing sees them now, in the workspace file's order. */
export async function rotationOf(desk: Desk, group: Group): Promise<RotationMember[]> {
  const settings = routingSettingsOf(group);
  const agents = desk.directory.agentsOf(group.id);
  const users = agents.map((agent) => agent.user);
  const [states, assigned, offered] = await Promise.all([
    desk.store.chats.availabilities(users),
    desk.store.tickets.countAssignedByAgent(users, ['new', 'open', 'pending']),
    desk.store.routing.countOpenByAgent(users),
  ]);
  return agents.map((agent) => {
    const availability = states.get(agent.user) ?? 'offline';
    const load = (assigned.get(agent.user) ?? 0) + (offered.get(agent.user) ?? 0);
    const cap = capOf(settings, agent.user);
    return {
      agent: agent.user,
      name: agent.name,
      availability,
      load,
      cap,
      inRotation: availability === 'online' && load < cap,
    };
  });
}

/**
 * Who is offered next: of the rotation's members not yet offered this ticket in this round, the one
 * whose turn it is (the first after the group's last offer, going round), or for `least-busy` the one
 * with the lowest load, ties going by turn.
 */
async function nextAgent(
  desk: Desk,
  group: Group,
  mode: RoutingModeOn,
  offered: ReadonlySet<string>,
): Promise<string | null> {
  const members = await rotationOf(desk, group);
  const last = await desk.store.routing.lastOffered(group.id);
  const after = members.findIndex((member) => member.agent === last) + 1;
  const byTurn = [...members.slice(after), ...members.slice(0, after)].filter(
    (member) => member.inRotation && !offered.has(member.agent),
  );
  if (mode === 'least-busy') byTurn.sort((a, b) => a.load - b.load);
  return byTurn[0]?.agent ?? null;
}

/** Routing's events change nothing an agent works from: recorded without bumping the version. */
async function recordRoutingEvent(
  desk: Desk,
  ticketNumber: number,
  event: Parameters<Desk['store']['tickets']['record']>[3][number],
): Promise<void> {
  await desk.store.tickets.record(ticketNumber, {}, {}, [event]);
  desk.events.ticketChanged(ticketNumber);
}

/**
 * Offers a waiting ticket to the next agent of its group's rotation, in the round `round` (the id of
 * the event that put it in the queue). Nothing when routing is off for the group, an offer is out
 * already, or nobody is online under the cap; when everyone online was offered it in this round, the
 * group is told once.
 */
export async function offerTicket(
  desk: Desk,
  ticketNumber: number,
  round: string,
  /** The ticket as an event's notice carries it: spares a read. */
  known?: Ticket,
): Promise<RoutingOffer | null> {
  const ticket = known?.number === ticketNumber ? known : await desk.store.tickets.get(ticketNumber);
  // A chat is offered to online agents by the chat desk itself.
  if (!ticket || !waits(ticket) || ticket.channel === 'chat') return null;
  const group = desk.directory.group(ticket.groupId);
  if (!group) return null;
  const mode = await modeOf(desk, group);
  if (mode === 'off') return null;
  if (await desk.store.routing.openOf(ticketNumber)) return null;
  const offered = new Set(await desk.store.routing.offeredIn(ticketNumber, round));
  const agent = await nextAgent(desk, group, mode, offered);
  const now = desk.clock();
  if (!agent) {
    if (offered.size > 0 && (await desk.store.seen.firstTime(`routing-unanswered:${round}`, now, UNANSWERED_MEMORY_MS)))
      await recordRoutingEvent(
        desk,
        ticketNumber,
        ticketEvent('routing_unanswered', ROUTING_ACTOR, now, {
          to: { groupId: group.id, offered: offered.size },
          note: round,
        }),
      );
    return null;
  }
  const offer = await desk.store.routing.offer({
    ticketNumber,
    groupId: group.id,
    round,
    agent,
    offeredAt: now,
    expiresAt: new Date(now.getTime() + routingSettingsOf(group).offerTimeoutMinutes * MINUTE_MS),
  });
  // Another replica or trigger offered it a moment ago: that offer stands.
  if (!offer) return null;
  await desk.store.routing.noteOffered(group.id, agent);
  await recordRoutingEvent(
    desk,
    ticketNumber,
    ticketEvent('routing_offered', ROUTING_ACTOR, now, {
      to: { agent, mode, expiresAt: offer.expiresAt },
      note: offer.id,
    }),
  );
  return offer;
}

/** The offer goes on: recorded (by the agent for a Pass, by deskbolt otherwise) and the next agent of the round offered. */
async function passOn(desk: Desk, offer: RoutingOffer, because: RoutingPassedBecause): Promise<RoutingOffer | null> {
  const state = because === 'pass' ? 'passed' : because === 'timeout' ? 'expired' : 'offline';
  const answered = await desk.store.routing.answer(offer.id, state, desk.clock());
  if (!answered) return null;
  const actor: Actor = because === 'pass' ? { kind: 'agent', id: offer.agent } : ROUTING_ACTOR;
  await recordRoutingEvent(
    desk,
    offer.ticketNumber,
    ticketEvent('routing_passed', actor, desk.clock(), {
      from: { agent: offer.agent },
      to: { because },
      note: offer.id,
    }),
  );
  await offerTicket(desk, offer.ticketNumber, offer.round);
  return answered;
}

function answered(offer: RoutingOffer): Refusal {
  return refuse('offer_answered', {
    number: offer.ticketNumber,
    state: offer.state === 'offered' ? 'expired' : offer.state,
  });
}

/** The offer as its agent may answer it, or why not; one past its time is passed on first. */
async function offerToAnswer(desk: Desk, offerId: string, by: string): Promise<RoutingOffer | Refusal> {
  const allowed = agentOrRefusal(desk, by);
  if (!allowed.ok) return allowed;
  const offer = await desk.store.routing.get(offerId);
  if (!offer) return refuse('no_such_offer');
  if (offer.agent !== by) return refuse('offer_not_for_you', { number: offer.ticketNumber, agent: offer.agent });
  if (offer.state !== 'offered') return answered(offer);
  if (offer.expiresAt.getTime() <= desk.clock().getTime()) {
    await passOn(desk, offer, 'timeout');
    return answered({ ...offer, state: 'expired' });
  }
  return offer;
}

/** Accept: the ticket is taken exactly as Take it takes it, and the offer is done. */
export async function acceptOffer(desk: Desk, request: { offerId: string; by: string }): Promise<TakeResult | Refusal> {
  const offer = await offerToAnswer(desk, request.offerId, request.by);
  if ('ok' in offer) return offer;
  const taken = await takeTicket(desk, { number: offer.ticketNumber, agent: request.by, note: 'offer' });
  if (taken.ok) {
    await desk.store.routing.answer(offer.id, 'accepted', desk.clock());
    return taken;
  }
  await cancelOffer(desk, offer.ticketNumber, 'not-waiting');
  return taken;
}

/** Pass: the next agent of the rotation is offered it. */
export async function passOffer(
  desk: Desk,
  request: { offerId: string; by: string },
): Promise<{ ok: true; offer: RoutingOffer } | Refusal> {
  const offer = await offerToAnswer(desk, request.offerId, request.by);
  if ('ok' in offer) return offer;
  const passed = await passOn(desk, offer, 'pass');
  if (!passed) return answered((await desk.store.routing.get(offer.id)) ?? offer);
  return { ok: true, offer: passed };
}

/** The ticket's offer out no longer stands (taken, moved, merged, solved): its agent is told so. */
async function cancelOffer(
  desk: Desk,
  ticketNumber: number,
  because: 'taken' | 'not-waiting',
  by?: string,
): Promise<void> {
  const open = await desk.store.routing.openOf(ticketNumber);
  if (!open) return;
  const cancelled = await desk.store.routing.answer(open.id, 'cancelled', desk.clock());
  if (!cancelled) return;
  await recordRoutingEvent(
    desk,
    ticketNumber,
    ticketEvent('routing_cancelled', ROUTING_ACTOR, desk.clock(), {
      from: { agent: open.agent },
      to: { because, ...(by ? { by } : {}) },
      note: open.id,
    }),
  );
}

/** Someone has the ticket now: the offer out is theirs (accepted by taking it) or cancelled. */
async function ticketTaken(desk: Desk, ticket: Ticket): Promise<void> {
  const open = await desk.store.routing.openOf(ticket.number);
  if (!open) return;
  if (ticket.assignee === open.agent) {
    await desk.store.routing.answer(open.id, 'accepted', desk.clock());
    return;
  }
  if (ticket.assignee) return cancelOffer(desk, ticket.number, 'taken', ticket.assignee);
  if (!waits(ticket)) return cancelOffer(desk, ticket.number, 'not-waiting');
}

/** The job: offers nobody answered in time go on to the next agent. */
export async function expireRoutingOffers(desk: Desk, now: Date, limit = 100): Promise<{ passedOn: number }> {
  let passedOn = 0;
  for (const offer of await desk.store.routing.due(now, limit)) if (await passOn(desk, offer, 'timeout')) passedOn++;
  return { passedOn };
}

/** An agent who goes offline (or away) passes their offers on at once. */
export async function agentLeft(desk: Desk, agent: string): Promise<number> {
  let passedOn = 0;
  for (const offer of await desk.store.routing.openTo(agent)) if (await passOn(desk, offer, 'offline')) passedOn++;
  return passedOn;
}

/** How many waiting tickets of a group an agent coming online may set offering at once (in queue order). */
const ON_COMING_ONLINE = 20;

/**
 * An agent comes online: tickets that waited with nobody to offer them to (or that nobody accepted)
 * are offered again, in queue order — urgent and high first, then oldest — in a round of their own.
 */
export async function agentCameOnline(desk: Desk, agent: string): Promise<number> {
  let offered = 0;
  const round = `online:${agent}:${desk.clock().getTime()}`;
  for (const groupId of desk.directory.agent(agent)?.groups ?? []) {
    const group = desk.directory.group(groupId);
    if (group && (await modeOf(desk, group)) !== 'off') offered += await offerWaiting(desk, groupId, round);
  }
  return offered;
}

/** The group's waiting tickets, the first of the queue's order, each offered in the round named. */
async function offerWaiting(desk: Desk, groupId: number, round: string): Promise<number> {
  let offered = 0;
  for (const ticket of await desk.store.tickets.queue([groupId], ON_COMING_ONLINE))
    if (await offerTicket(desk, ticket.number, round)) offered++;
  return offered;
}

/**
 * Routing's rules, subscribed to the events that put a ticket in a queue or take it out: not a
 * notification (the notifier in src/slack/notifiers/routing.ts tells), the desk itself acting.
 */
export function routingPolicy(desk: Desk): Subscriber {
  const startRound = async ({ ticket, event }: { ticket: Ticket; event: { id: string } }) => {
    await offerTicket(desk, ticket.number, event.id, ticket);
  };
  // Only an unassigned ticket has an offer out: a change to one that had an agent costs no read.
  const settle = async ({ ticket, event }: { ticket: Ticket; event: { from?: { assignee?: string | null } } }) => {
    if (event.from?.assignee === null) await ticketTaken(desk, ticket);
  };
  return {
    name: 'routing',
    events: {
      created: startRound,
      released: startRound,
      async escalated(notice) {
        await cancelOffer(desk, notice.ticket.number, 'not-waiting');
        await startRound(notice);
      },
      taken: settle,
      assigned: settle,
      async merged_into({ ticket }) {
        if (ticket.assignee === null) await ticketTaken(desk, ticket);
      },
      async status_changed({ ticket, event }) {
        // A ticket that stops waiting (solved or pending from the queue); one that did not wait had no offer.
        const waited = event.from.status === 'new' || event.from.status === 'open';
        if (waited && ticket.assignee === null && !waits(ticket)) await ticketTaken(desk, ticket);
      },
    },
    signals: {
      async availability_changed(signal) {
        if (signal.availability === 'online') await agentCameOnline(desk, signal.agent);
        else if (signal.previous === 'online') await agentLeft(desk, signal.agent);
      },
    },
  };
}

// ─── The lead's switch ────────────────────────────────────────────────────────────────────────

export interface RoutingView {
  ok: true;
  group: Group;
  mode: RoutingMode;
  fileMode: RoutingMode;
  switched: RoutingSwitch | null;
  settings: RoutingSettings;
  members: RotationMember[];
  /** Waiting tickets offered because the switch was just turned on (0 for off and show). */
  offeredNow: number;
}

/** `/ticket routing GROUP on|off|show`: leads of the group and admins only. */
export async function routingCommand(
  desk: Desk,
  request: { by: string; groupText: string; action: 'on' | 'off' | 'show' },
): Promise<RoutingView | Refusal> {
  const allowed = agentOrRefusal(desk, request.by);
  if (!allowed.ok) return allowed;
  const group = desk.directory.findGroup(request.groupText);
  if (!group) return refuse('no_such_group_named', { typed: request.groupText });
  if (!mayAssign(desk, request.by, group.id)) return refuse('routing_leads_only', { groupId: group.id });
  if (request.action !== 'show')
    await desk.store.routing.setSwitch(group.id, request.action === 'on', request.by, desk.clock());
  const switched = (await desk.store.routing.switches([group.id])).get(group.id) ?? null;
  const settings = routingSettingsOf(group);
  const mode = effectiveMode(settings.mode, switched ?? undefined);
  // Switched on: what already waits is offered now, as when an agent comes online, not only what comes next.
  const offeredNow =
    request.action === 'on' && mode !== 'off'
      ? await offerWaiting(desk, group.id, `switched-on:${group.id}:${desk.clock().getTime()}`)
      : 0;
  return {
    ok: true,
    group,
    mode,
    fileMode: settings.mode,
    switched,
    settings,
    members: await rotationOf(desk, group),
    offeredNow,
  };
}
