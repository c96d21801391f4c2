import { ticketEvent } from '../events/ticket-events.js';
import type { Delivery } from '../store/deliveries.js';
import { queueDelivery } from './deliveries.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import { agentOrRefusal, mayWork, noSuchTicket, outsideGroup } from './permissions.js';
import { clockResumes } from './sla.js';
import { type Ticket, UNSOLVED_STATUSES } from './types.js';

export interface ProblemResult {
  ok: true;
  problem: Ticket;
  incident: Ticket | null;
}

async function workableTicket(
  desk: Desk,
  agentId: string,
  number: number,
): Promise<{ ok: true; ticket: Ticket } | Refusal> {
  const allowed = agentOrRefusal(desk, agentId);
  if (!allowed.ok) return allowed;
  const ticket = await desk.store.tickets.get(number);
  if (!ticket) return noSuchTicket(number);
  if (!mayWork(desk, allowed.agent, ticket)) return outsideGroup(ticket);
  if (ticket.mergedInto !== null) return refuse('was_merged', { number, into: ticket.mergedInto });
  if (!UNSOLVED_STATUSES.includes(ticket.status)) return refuse('status_is', { number, status: ticket.status });
  return { ok: true, ticket };
}

/**
 * Marks a ticket as a Problem: the one ticket where the team works a cause that many requesters hit.
 * Marking one that already is changes nothing and says so: two agents clicking at once write one
 * `problem_marked`, and the second hears who was first.
 */
export async function markProblem(
  desk: Desk,
  request: { number: number; agent: string },
): Promise<ProblemResult | Refusal> {
  const result = await ensureProblem(desk, request);
  if (!result.ok) return result;
  if (!result.marked) return alreadyAProblem(desk, request.number);
  return { ok: true, problem: result.problem, incident: null };
}

/** The ticket as a problem, marked now (`marked`) or already one. */
async function ensureProblem(
  desk: Desk,
  request: { number: number; agent: string },
): Promise<{ ok: true; problem: Ticket; marked: boolean } | Refusal> {
  const found = await workableTicket(desk, request.agent, request.number);
  if (!found.ok) return found;
  if (found.ticket.problem) return { ok: true, problem: found.ticket, marked: false };
  if (found.ticket.problemOf)
    return refuse('problem_and_incident', { number: request.number, problemOf: found.ticket.problemOf });
  const now = desk.clock();
  const marked = await desk.store.tickets.change(
    request.number,
    // "Not a problem yet" is part of the write: of two marks at once, one writes and the other finds it marked.
    { status: UNSOLVED_STATUSES, notMerged: true, fields: { problemOf: null, problem: { $ne: true } } },
    { problem: true },
    ticketEvent('problem_marked', { kind: 'agent', id: request.agent }, now),
    now,
  );
  if (!marked) {
    const current = await desk.store.tickets.get(request.number);
    if (current?.problem) return { ok: true, problem: current, marked: false };
    return refuse('changed_meanwhile', { number: request.number });
  }
  desk.events.ticketChanged(marked.number);
  return { ok: true, problem: marked, marked: true };
}

async function alreadyAProblem(desk: Desk, number: number): Promise<Refusal> {
  // A mark made a moment ago may still wait in the ticket's outbox for the history. The outbox is read
  // first: an event leaves it only once it is in the history, so one of the two reads holds it.
  const waiting = (await desk.store.tickets.withOutbox(number))?.outbox ?? [];
  const marking = [...(await desk.store.tickets.history(number)), ...waiting].findLast(
    (event) => event.action === 'problem_marked',
  );
  return refuse('already_a_problem', { number, ...(marking?.actor.kind === 'agent' ? { by: marking.actor.id } : {}) });
}

/** `/ticket link 1007 to 1003`: 1007 becomes an incident of problem 1003 (marked a problem if it was not). */
export async function linkIncident(
  desk: Desk,
  request: { incident: number; problem: number; agent: string },
): Promise<ProblemResult | Refusal> {
  if (request.incident === request.problem) return refuse('incident_of_itself');
  const incident = await workableTicket(desk, request.agent, request.incident);
  if (!incident.ok) return incident;
  if (incident.ticket.problem) return refuse('problem_not_incident', { number: request.incident });
  if (incident.ticket.problemOf === request.problem) {
    const problem = (await desk.store.tickets.get(request.problem))!;
    return { ok: true, problem, incident: incident.ticket };
  }
  const marked = await ensureProblem(desk, { number: request.problem, agent: request.agent });
  if (!marked.ok) return marked;
  const now = desk.clock();
  const linked = await desk.store.tickets.change(
    request.incident,
    { status: UNSOLVED_STATUSES, notMerged: true, fields: { problem: { $ne: true } } },
    { problemOf: request.problem },
    ticketEvent('incident_linked', { kind: 'agent', id: request.agent }, now, {
      from: { problemOf: incident.ticket.problemOf ?? null },
      to: { problemOf: request.problem },
    }),
    now,
  );
  if (!linked) return refuse('changed_meanwhile', { number: request.incident });
  desk.events.ticketChanged(linked.number);
  return { ok: true, problem: marked.problem, incident: linked };
}

export interface IncidentsSolved {
  solved: Ticket[];
  deliveries: Delivery[];
}

/**
 * The problem is solved: each open incident gets the solution as a public reply to its own
 * requester and is solved, each with its own events. The reply's id is made from the two numbers,
 * so running this again (after a crash) neither doubles a reply nor misses an incident.
 */
export async function solveIncidents(
  desk: Desk,
  problem: Ticket,
  agent: string,
  solutionText: string | null,
): Promise<IncidentsSolved> {
  const solution =
    solutionText ??
    (await lastPublicReply(desk, problem.number)) ??
    `This was solved together with #${problem.number}: ${problem.subject}`;
  const actor = { kind: 'agent' as const, id: agent };
  const result: IncidentsSolved = { solved: [], deliveries: [] };
  for (const incident of await desk.store.links.incidentsOf(problem.number, UNSOLVED_STATUSES)) {
    const now = desk.clock();
    const comment = await desk.store.tickets.addComment(incident.number, 'public', actor, solution, now, {
      id: `solution:${problem.number}:${incident.number}`,
    });
    const form = { ...problem.form, ...incident.form };
    const solved = await desk.store.tickets.change(
      incident.number,
      { status: UNSOLVED_STATUSES, notMerged: true },
      {
        status: 'solved',
        solvedAt: now,
        pendingSince: null,
        form,
        assignee: incident.assignee ?? agent,
        ...clockResumes(incident, 'solved', now),
      },
      [
        ticketEvent('replied', actor, now, { to: { commentId: comment.id, fromProblem: problem.number } }),
        ticketEvent('status_changed', actor, now, {
          from: { status: incident.status },
          to: { status: 'solved' },
          note: `problem #${problem.number} solved`,
        }),
      ],
      now,
    );
    if (!solved) continue;
    result.solved.push(solved);
    result.deliveries.push(await queueDelivery(desk, solved, comment));
    desk.events.ticketChanged(solved.number);
  }
  return result;
}

async function lastPublicReply(desk: Desk, number: number): Promise<string | null> {
  const replies = await desk.store.tickets.comments(number, { last: 10, kinds: ['public'] });
  return replies.filter((comment) => comment.author.kind === 'agent').at(-1)?.text ?? null;
}
