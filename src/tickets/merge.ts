import type { Delivery } from '../store/deliveries.js';
import type { TicketChanges } from '../store/tickets.js';
import { refuse, type Desk, type Refusal } from './desk.js';
import { queueDelivery } from './deliveries.js';
import { agentOrRefusal, mayWork, noSuchTicket, outsideGroup } from './permissions.js';
import type { Actor, MergeProgress, Ticket, TicketComment } from './types.js';

export interface MergeRequest {
  sources: readonly number[];
  target: number;
  agent: string;
}

/** The points a merge can be cut at; a test stops the process after each and runs the merge again. */
export type MergeStep = 'marked' | 'comment-copied' | 'copied' | 'told' | 'target-noted' | 'closed';

export interface MergeOptions {
  afterStep?: (step: MergeStep, source: number) => void | Promise<void>;
}

export interface MergePlan {
  ok: true;
  target: Ticket;
  sources: Ticket[];
}

export interface MergeResult {
  ok: true;
  target: Ticket;
  merged: Ticket[];
  /** The notices to the sources' requesters, to send now. */
  deliveries: Delivery[];
}

const MERGEABLE = ['new', 'open', 'pending', 'solved'] as const;

/** Whether these tickets may be merged, and what they are: the confirmation shows it before anything changes. */
export async function planMerge(desk: Desk, request: MergeRequest): Promise<MergePlan | Refusal> {
  const allowed = agentOrRefusal(desk, request.agent);
  if (!allowed.ok) return allowed;
  const numbers = [...new Set(request.sources)];
  if (numbers.length === 0) return refuse('merge_which');
  if (numbers.includes(request.target)) return refuse('merge_into_itself', { number: request.target });
  const target = await desk.store.tickets.get(request.target);
  if (!target) return noSuchTicket(request.target);
  if (target.mergedInto !== null) return refuse('target_merged', { number: target.number, into: target.mergedInto });
  if (target.status === 'closed') return refuse('target_closed', { number: target.number });
  if (target.merge && target.merge.state !== 'done') {
    return refuse(numbers.includes(target.merge.into) ? 'merge_cycle' : 'target_merging', { number: target.number, into: target.merge.into });
  }
  if (!mayWork(desk, allowed.agent, target)) return outsideGroup(target);
  const sources: Ticket[] = [];
  for (const number of numbers) {
    const source = await desk.store.tickets.get(number);
    if (!source) return noSuchTicket(number);
    if (!mayWork(desk, allowed.agent, source)) return outsideGroup(source);
    const resuming = source.merge?.into === target.number;
    if (source.mergedInto !== null && source.mergedInto !== target.number) return refuse('source_merged', { number, into: source.mergedInto });
    if (source.merge && !resuming && source.merge.state !== 'done') return refuse('source_merging', { number, into: source.merge.into });
    if (source.status === 'closed' && !resuming) return refuse('source_closed', { number });
    sources.push(source);
  }
  return { ok: true, target, sources };
}

/**
 * Merges duplicates into a target. Each source records its progress on itself (copying → telling →
 * closing → done) and each write is keyed (comment ids made from the source comment's id), so a
 * merge that stops anywhere is finished by running it again, with nothing lost or doubled.
 */
export async function mergeTickets(desk: Desk, request: MergeRequest, options: MergeOptions = {}): Promise<MergeResult | Refusal> {
  const plan = await planMerge(desk, request);
  if (!plan.ok) return plan;
  const merged: Ticket[] = [];
  const deliveries: Delivery[] = [];
  for (const source of plan.sources) {
    const done = await mergeOne(desk, source, plan.target, request.agent, options, deliveries);
    if (!done.ok) return done;
    merged.push(done.ticket);
  }
  return { ok: true, target: (await desk.store.tickets.get(plan.target.number))!, merged, deliveries };
}

async function mergeOne(
  desk: Desk,
  source: Ticket,
  target: Ticket,
  agent: string,
  options: MergeOptions,
  deliveries: Delivery[],
): Promise<{ ok: true; ticket: Ticket } | Refusal> {
  const actor: Actor = { kind: 'agent', id: agent };
  const cut = async (name: MergeStep) => {
    await options.afterStep?.(name, source.number);
  };
  let progress: MergeProgress | null = source.merge?.into === target.number ? source.merge : null;

  if (!progress) {
    const now = desk.clock();
    progress = { into: target.number, state: 'copying', by: agent };
    const marked = await desk.store.tickets.change(
      source.number,
      { status: MERGEABLE, notMerged: true, fields: { merge: null } },
      { merge: progress },
      { actor, action: 'merged_into', from: { status: source.status }, to: { number: target.number }, at: now },
      now,
    );
    if (!marked) {
      const current = await desk.store.tickets.get(source.number);
      if (current?.merge?.into !== target.number) return refuse('changed_meanwhile', { number: source.number });
      progress = current.merge;
    }
    await cut('marked');
  }

  if (progress.state === 'copying') {
    await copyComments(desk, source, target, cut);
    progress = await advance(desk, source.number, progress, 'telling');
    await cut('copied');
  }

  if (progress.state === 'telling') {
    const now = desk.clock();
    // Queued now, sent when the source's close is handed out (see mergeNoticeId): the requester hears once it happened.
    const notice = await desk.store.tickets.addComment(
      source.number,
      'public',
      actor,
      `Your request #${source.number} is now handled together with #${target.number} “${target.subject.slice(0, 150)}”. Please follow it there; everything you wrote has been carried over.`,
      now,
      { id: mergeNoticeId(source.number) },
    );
    const current = (await desk.store.tickets.get(source.number))!;
    deliveries.push(await queueDelivery(desk, current, notice));
    progress = await advance(desk, source.number, progress, 'closing');
    await cut('told');
  }

  if (progress.state === 'closing') {
    const now = desk.clock();
    const mark = `mergedFrom.n${source.number}`;
    // Recorded on the target with its own marker, so a re-run does not write merged_from twice.
    await desk.store.tickets.change(
      target.number,
      { fields: { [mark]: { $exists: false } } },
      { [mark]: now } as TicketChanges,
      { actor, action: 'merged_from', from: { number: source.number }, to: { number: target.number }, at: now },
      now,
    );
    await cut('target-noted');
    const current = (await desk.store.tickets.get(source.number))!;
    const closed = await desk.store.tickets.change(
      source.number,
      { fields: { 'merge.state': 'closing' } },
      { status: 'closed', closedAt: now, mergedInto: target.number, pendingSince: null, merge: { ...progress, state: 'done' } },
      { actor, action: 'status_changed', from: { status: current.status }, to: { status: 'closed' }, note: `merged into #${target.number}`, at: now },
      now,
    );
    await cut('closed');
    desk.events.ticketChanged(target.number);
    desk.events.ticketChanged(source.number);
    if (closed) return { ok: true, ticket: closed };
  }
  return { ok: true, ticket: (await desk.store.tickets.get(source.number))! };
}

/** The public notice a merged ticket's requester gets: one per source, so a re-run never doubles it. */
export function mergeNoticeId(sourceNumber: number): string {
  return `merged:${sourceNumber}:notice`;
}

async function advance(desk: Desk, number: number, progress: MergeProgress, state: MergeProgress['state']): Promise<MergeProgress> {
  const next = { ...progress, state };
  await desk.store.tickets.change(number, { fields: { 'merge.state': progress.state } }, { merge: next }, [], desk.clock());
  return next;
}

/** Every comment of the source (and its description) as internal notes on the target, saying where from. */
async function copyComments(desk: Desk, source: Ticket, target: Ticket, cut: (step: MergeStep) => Promise<void>): Promise<void> {
  const comments = await desk.store.tickets.comments(source.number);
  const requester: Actor = source.requester.kind === 'slack' ? { kind: 'requester', id: source.requester.userId } : { kind: 'requester', id: source.requester.email, name: source.requester.name };
  // Each copy keeps its original time, so the target's history reads in the order things were said.
  const copies: { id: string; author: Actor; text: string; at: Date }[] = [];
  if (source.description) {
    copies.push({ id: `merged:${source.number}:description`, author: requester, text: `From #${source.number} (the original request “${source.subject.slice(0, 150)}”):\n${source.description}`, at: source.createdAt });
  }
  for (const comment of comments) {
    copies.push({ id: `merged:${source.number}:${comment.id}`, author: comment.author, text: `From #${source.number} (${kindLabel(comment)}):\n${comment.text}`, at: comment.createdAt });
  }
  for (const copy of copies) {
    const written = await desk.store.tickets.addComment(target.number, 'internal', copy.author, copy.text, copy.at, { id: copy.id });
    if (!written.duplicate) await cut('comment-copied');
  }
}

function kindLabel(comment: TicketComment): string {
  if (comment.kind === 'internal') return 'internal note';
  return comment.author.kind === 'agent' ? 'public reply' : 'requester';
}

/**
 * Finishes merges a dead process left half-way, as the agent who started them, for a job to run
 * now and then (or at start). Returns the finished results, whose notices still need sending.
 */
export async function finishInterruptedMerges(desk: Desk, limit = 50): Promise<MergeResult[]> {
  const finished: MergeResult[] = [];
  for (const source of await desk.store.links.mergesUnderWay(limit)) {
    const merge = source.merge!;
    const result = await mergeTickets(desk, { sources: [source.number], target: merge.into, agent: merge.by });
    if (result.ok) finished.push(result);
  }
  return finished;
}
