import { randomUUID } from 'node:crypto';
import { ticketEvent } from '../events/ticket-events.js';
import type { Delivery } from '../store/deliveries.js';
import { mergeClaimSource, type TicketChanges } from '../store/tickets.js';
import { type DeliverySenders, deliveryIdOf, queueDelivery, releaseDelivery, sendSlackMessage } from './deliveries.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import { agentOrRefusal, mayWork, noSuchTicket, outsideGroup } from './permissions.js';
import type { Actor, MergeProgress, Ticket, TicketComment } from './types.js';

export interface MergeRequest {
  sources: readonly number[];
  target: number;
  agent: string;
}

/** The points a merge can be cut at; a test stops the process after each and runs the merge again. */
export type MergeStep =
  | 'recorded'
  | 'first-claim'
  | 'marked'
  | 'comment-copied'
  | 'copied'
  | 'told'
  | 'target-noted'
  | 'closed';

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
  /** The notices to the sources' requesters: queued held, released when each source's close is handed out. */
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
    return refuse(numbers.includes(target.merge.into) ? 'merge_cycle' : 'target_merging', {
      number: target.number,
      into: target.merge.into,
    });
  }
  // A merge of the target asked for but not begun yet (recorded, its process cut before the first step) will
  // still be finished by the recovery job: merging into it now would be a cycle or a ticket closing under us.
  const asked = await desk.store.mergeRequests.unfinishedWithSource(target.number);
  if (asked && asked.target !== request.target) {
    return refuse(numbers.includes(asked.target) ? 'merge_cycle' : 'target_merging', {
      number: target.number,
      into: asked.target,
    });
  }
  if (!mayWork(desk, allowed.agent, target)) return outsideGroup(target);
  const sources: Ticket[] = [];
  for (const number of numbers) {
    const source = await desk.store.tickets.get(number);
    if (!source) return noSuchTicket(number);
    if (!mayWork(desk, allowed.agent, source)) return outsideGroup(source);
    const resuming = source.merge?.into === target.number;
    if (source.mergedInto !== null && source.mergedInto !== target.number)
      return refuse('source_merged', { number, into: source.mergedInto });
    if (source.merge && !resuming && source.merge.state !== 'done')
      return refuse('source_merging', { number, into: source.merge.into });
    if (source.status === 'closed' && !resuming) return refuse('source_closed', { number });
    const receiving = !resuming ? mergesInto(source)[0] : undefined;
    if (receiving !== undefined) return refuse('source_receiving', { number, from: receiving });
    sources.push(source);
  }
  return { ok: true, target, sources };
}

/**
 * Merges duplicates into a target. Each source records its progress on itself (copying → telling →
 * closing → done) and each write is keyed (comment ids made from the source comment's id), so a
 * merge that stops anywhere is finished by running it again, with nothing lost or doubled.
 */
export async function mergeTickets(
  desk: Desk,
  request: MergeRequest,
  options: MergeOptions = {},
): Promise<MergeResult | Refusal> {
  const plan = await planMerge(desk, request);
  if (!plan.ok) return plan;
  // The whole request first: the sources not yet started are written nowhere else, and recovery must know them.
  const id = randomUUID();
  await desk.store.mergeRequests.record({
    id,
    target: plan.target.number,
    sources: plan.sources.map((source) => source.number),
    agent: request.agent,
    startedAt: desk.clock(),
  });
  const first = plan.sources[0]!.number;
  await options.afterStep?.('recorded', first);
  await desk.checkpoint?.({ workflow: 'merge', step: 'recorded', ticket: first });
  const merged: Ticket[] = [];
  const deliveries: Delivery[] = [];
  for (const source of plan.sources) {
    const done = await mergeOne(desk, source, plan.target, request.agent, options, deliveries);
    if (!done.ok) {
      await desk.store.mergeRequests.finish(id, desk.clock());
      return done;
    }
    merged.push(done.ticket);
  }
  await desk.store.mergeRequests.finish(id, desk.clock());
  return { ok: true, target: (await desk.store.tickets.get(plan.target.number))!, merged, deliveries };
}

/** One source of a recorded merge, planned afresh: a source already done plans as resuming and is a no-op. */
async function mergeRecordedSource(
  desk: Desk,
  source: number,
  target: number,
  agent: string,
): Promise<MergeResult | Refusal> {
  const plan = await planMerge(desk, { sources: [source], target, agent });
  if (!plan.ok) return plan;
  const deliveries: Delivery[] = [];
  const done = await mergeOne(desk, plan.sources[0]!, plan.target, agent, {}, deliveries);
  if (!done.ok) return done;
  return { ok: true, target: (await desk.store.tickets.get(target))!, merged: [done.ticket], deliveries };
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
    await desk.checkpoint?.({ workflow: 'merge', step: name, ticket: source.number });
  };
  let progress: MergeProgress | null = source.merge?.into === target.number ? source.merge : null;

  if (!progress || progress.state === 'claiming') {
    const claimed = await claimBoth(desk, source, target, agent, progress, cut);
    if (!claimed.ok) return claimed;
    progress = claimed.progress;
    await cut('marked');
  }

  if (progress.state === 'copying') {
    await copyComments(desk, source, target, cut);
    progress = await advance(desk, source.number, progress, 'telling');
    await cut('copied');
  }

  if (progress.state === 'telling') {
    const now = desk.clock();
    // Written now, sent when the source's close is handed out (releaseMergeNotice): the requester hears once it happened.
    const notice = await desk.store.tickets.addComment(
      source.number,
      'public',
      actor,
      `Your request #${source.number} is now handled together with #${target.number} “${target.subject.slice(0, 150)}”. Please follow it there; everything you wrote has been carried over.`,
      now,
      { id: mergeNoticeId(source.number) },
    );
    const current = (await desk.store.tickets.get(source.number))!;
    // Held until the source's close is handed out: a process that dies before the close never lets it out early.
    deliveries.push(await queueDelivery(desk, current, notice, { held: true }));
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
      ticketEvent('merged_from', actor, now, { from: { number: source.number }, to: { number: target.number } }),
      now,
    );
    await cut('target-noted');
    const current = (await desk.store.tickets.get(source.number))!;
    const closed = await desk.store.tickets.change(
      source.number,
      { fields: { 'merge.state': 'closing' } },
      {
        status: 'closed',
        closedAt: now,
        mergedInto: target.number,
        pendingSince: null,
        merge: { ...progress, state: 'done' },
      },
      ticketEvent('status_changed', actor, now, {
        from: { status: current.status },
        to: { status: 'closed' },
        note: `merged into #${target.number}`,
      }),
      now,
    );
    await cut('closed');
    desk.events.ticketChanged(target.number);
    desk.events.ticketChanged(source.number);
    await desk.store.tickets.releaseMergeClaim(target.number, source.number);
    if (closed) return { ok: true, ticket: closed };
  }
  await desk.store.tickets.releaseMergeClaim(target.number, source.number);
  return { ok: true, ticket: (await desk.store.tickets.get(source.number))! };
}

/**
 * A merge holds two tickets before anything is copied: its target (which must not be being merged
 * away: `claimMergeTarget`) and its source (which must have no merge into it under way:
 * `notMergeTarget`). Each hold is one conditional single-document write, and they are written lower
 * ticket number first, so two merges that need the same two tickets ("A into B" and "B into A")
 * meet on their first write and exactly one goes on; a merge whose second write fails undoes its
 * first. A source held before its target waits in state `claiming`; only with both held does the
 * merge begin (state `copying`, and the `merged_into` event). A run that finds a merge `claiming`
 * (another agent's identical merge, or the recovery job after a crash) takes it from there.
 */
async function claimBoth(
  desk: Desk,
  source: Ticket,
  target: Ticket,
  agent: string,
  found: MergeProgress | null,
  cut: (step: MergeStep) => Promise<void>,
): Promise<{ ok: true; progress: MergeProgress } | Refusal> {
  const now = desk.clock();
  const actor: Actor = { kind: 'agent', id: agent };
  const begins = ticketEvent('merged_into', actor, now, {
    from: { status: source.status },
    to: { number: target.number },
  });
  let progress = found;
  if (!progress) {
    const targetFirst = target.number < source.number;
    if (targetFirst) {
      if (!(await desk.store.tickets.claimMergeTarget(target.number, source.number, agent, MERGEABLE, now)))
        return whyTargetRefused(desk, target.number, source.number);
      await cut('first-claim');
    }
    const holding: MergeProgress = {
      into: target.number,
      state: targetFirst ? 'copying' : 'claiming',
      by: agent,
      startedAt: now,
    };
    const marked = await desk.store.tickets.change(
      source.number,
      { status: MERGEABLE, notMerged: true, notMergeTarget: true, fields: { merge: null } },
      { merge: holding },
      targetFirst ? begins : [],
      now,
    );
    if (marked && targetFirst) return { ok: true, progress: holding };
    if (marked) {
      progress = holding;
      await cut('first-claim');
    } else {
      const current = await desk.store.tickets.get(source.number);
      if (current?.merge?.into !== target.number) {
        // Not under way after all: the claim must not keep the target from being merged itself.
        if (targetFirst) await desk.store.tickets.releaseMergeClaim(target.number, source.number);
        return whySourceRefused(current, source.number);
      }
      // Another agent's identical merge got there first: go on with it, every step is keyed.
      if (current.merge.state !== 'claiming') return { ok: true, progress: current.merge };
      progress = current.merge;
    }
  }
  // The source is held (state claiming); now the target, then the merge begins.
  const whileClaiming = { fields: { 'merge.state': 'claiming', 'merge.into': target.number } };
  if (!(await desk.store.tickets.claimMergeTarget(target.number, source.number, agent, MERGEABLE, now))) {
    const refusal = await whyTargetRefused(desk, target.number, source.number);
    await desk.store.tickets.change(source.number, whileClaiming, { merge: null }, [], now);
    return refusal;
  }
  const next: MergeProgress = { ...progress, state: 'copying' };
  if (await desk.store.tickets.change(source.number, whileClaiming, { merge: next }, begins, now))
    return { ok: true, progress: next };
  const current = await desk.store.tickets.get(source.number);
  if (current?.merge?.into === target.number && current.merge.state !== 'claiming')
    return { ok: true, progress: current.merge };
  await desk.store.tickets.releaseMergeClaim(target.number, source.number);
  return whySourceRefused(current, source.number);
}

/** A merge that stopped while claiming and cannot get its target: its hold on the source is let go. */
async function abandonClaiming(desk: Desk, source: Ticket): Promise<void> {
  if (source.merge?.state !== 'claiming') return;
  await desk.store.tickets.change(
    source.number,
    { fields: { 'merge.state': 'claiming', 'merge.into': source.merge.into } },
    { merge: null },
    [],
    desk.clock(),
  );
}

/** Sources whose merges into this ticket are under way (its claims), oldest number first. */
function mergesInto(ticket: Ticket): number[] {
  return Object.keys(ticket.mergingIn ?? {})
    .map(mergeClaimSource)
    .filter((number): number is number => number !== null)
    .sort((a, b) => a - b);
}

/** Why the target could not be claimed, from what it is now. */
async function whyTargetRefused(desk: Desk, targetNumber: number, sourceNumber: number): Promise<Refusal> {
  const target = await desk.store.tickets.get(targetNumber);
  if (!target) return noSuchTicket(targetNumber);
  if (target.mergedInto !== null) return refuse('target_merged', { number: target.number, into: target.mergedInto });
  if (target.merge && target.merge.state !== 'done') {
    return refuse(target.merge.into === sourceNumber ? 'merge_cycle' : 'target_merging', {
      number: target.number,
      into: target.merge.into,
    });
  }
  if (target.status === 'closed') return refuse('target_closed', { number: target.number });
  return refuse('changed_meanwhile', { number: target.number });
}

/** Why the source could not be marked, from what it is now. */
function whySourceRefused(source: Ticket | null, number: number): Refusal {
  if (!source) return noSuchTicket(number);
  const receiving = mergesInto(source)[0];
  if (receiving !== undefined) return refuse('source_receiving', { number, from: receiving });
  if (source.mergedInto !== null) return refuse('source_merged', { number, into: source.mergedInto });
  if (source.merge && source.merge.state !== 'done')
    return refuse('source_merging', { number, into: source.merge.into });
  if (source.status === 'closed') return refuse('source_closed', { number });
  return refuse('changed_meanwhile', { number });
}

/** The public notice a merged ticket's requester gets: one per source, so a re-run never doubles it. */
export function mergeNoticeId(sourceNumber: number): string {
  return `merged:${sourceNumber}:notice`;
}

/**
 * The merge notice may go once the source is closed as merged: for whoever hands out the close (so a
 * close recorded by a process that then died still lets it go, through the outbox). Returns the
 * delivery's id, or null when this ticket was not closed by a merge.
 */
export async function releaseMergeNotice(desk: Desk, ticket: Ticket): Promise<string | null> {
  if (ticket.status !== 'closed' || ticket.mergedInto === null) return null;
  const id = deliveryIdOf(mergeNoticeId(ticket.number));
  await releaseDelivery(desk, id);
  return id;
}

async function advance(
  desk: Desk,
  number: number,
  progress: MergeProgress,
  state: MergeProgress['state'],
): Promise<MergeProgress> {
  const next = { ...progress, state };
  await desk.store.tickets.change(
    number,
    { fields: { 'merge.state': progress.state } },
    { merge: next },
    [],
    desk.clock(),
  );
  return next;
}

/** Every comment of the source (and its description) as internal notes on the target, saying where from. */
async function copyComments(
  desk: Desk,
  source: Ticket,
  target: Ticket,
  cut: (step: MergeStep) => Promise<void>,
): Promise<void> {
  const comments = await desk.store.tickets.comments(source.number);
  const requester: Actor =
    source.requester.kind === 'slack'
      ? { kind: 'requester', id: source.requester.userId }
      : { kind: 'requester', id: source.requester.email, name: source.requester.name };
  // Each copy keeps its original time, so the target's history reads in the order things were said.
  const copies: { id: string; author: Actor; text: string; at: Date }[] = [];
  if (source.description) {
    copies.push({
      id: `merged:${source.number}:description`,
      author: requester,
      text: `From #${source.number} (the original request “${source.subject.slice(0, 150)}”):\n${source.description}`,
      at: source.createdAt,
    });
  }
  for (const comment of comments) {
    copies.push({
      id: `merged:${source.number}:${comment.id}`,
      author: comment.author,
      text: `From #${source.number} (${kindLabel(comment)}):\n${comment.text}`,
      at: comment.createdAt,
    });
  }
  for (const copy of copies) {
    const written = await desk.store.tickets.addComment(target.number, 'internal', copy.author, copy.text, copy.at, {
      id: copy.id,
    });
    if (!written.duplicate) await cut('comment-copied');
  }
}

function kindLabel(comment: TicketComment): string {
  if (comment.kind === 'internal') return 'internal note';
  return comment.author.kind === 'agent' ? 'public reply' : 'requester';
}

/** A merge younger than this is left to the process running it; after, the job takes it as interrupted. */
export const MERGE_GRACE_MS = 2 * 60_000;

export interface MergeRecovery {
  finished: MergeResult[];
  /** Recorded merge requests finished (every source done or refused), each agent told once. */
  requestsFinished: number;
  /** Merges that could not be finished, with why (a target closed meanwhile): logged, tried again next run. */
  refused: { source: number; refusal: Refusal }[];
  /** Claims let go of: left on a target by a merge that was done, or that can no longer be. */
  releasedClaims: number;
}

/**
 * Finishes merges a dead process left half-way, as the agent who started them (a source under way, or
 * only its target claimed), and lets go of claims no merge can use any more: for the `finish-merges`
 * job. Notices are released by the closes it records, like any merge's.
 */
export async function finishInterruptedMerges(
  desk: Desk,
  limit = 50,
  senders: DeliverySenders = {},
): Promise<MergeRecovery> {
  const recovery: MergeRecovery = { finished: [], requestsFinished: 0, refused: [], releasedClaims: 0 };
  const startedBefore = new Date(desk.clock().getTime() - MERGE_GRACE_MS);
  for (const request of await desk.store.mergeRequests.unfinished(startedBefore, limit)) {
    const merged: number[] = [];
    const notMerged: number[] = [];
    for (const source of request.sources) {
      const result = await mergeRecordedSource(desk, source, request.target, request.agent);
      if (result.ok) {
        recovery.finished.push(result);
        merged.push(source);
      } else {
        recovery.refused.push({ source, refusal: result });
        notMerged.push(source);
        const current = await desk.store.tickets.get(source);
        if (current) await abandonClaiming(desk, current);
      }
    }
    // Queued under the request's id before it is marked finished: a crash in between tells the agent on the next run, still once.
    await sendSlackMessage(
      desk,
      {
        id: `merge-request:${request.id}`,
        ticketNumber: request.target,
        purpose: 'merge finished',
        order: {
          op: 'post',
          place: { kind: 'dm', userId: request.agent },
          text: interruptedMergeText(request.target, merged, notMerged),
        },
      },
      senders,
    );
    await desk.store.mergeRequests.finish(request.id, desk.clock());
    recovery.requestsFinished += 1;
  }
  for (const source of await desk.store.links.mergesUnderWay(limit, startedBefore)) {
    const merge = source.merge!;
    const result = await mergeTickets(desk, { sources: [source.number], target: merge.into, agent: merge.by });
    if (result.ok) {
      recovery.finished.push(result);
      continue;
    }
    recovery.refused.push({ source: source.number, refusal: result });
    await abandonClaiming(desk, source);
  }
  for (const target of await desk.store.tickets.withMergeClaims(limit)) {
    for (const [key, claim] of Object.entries(target.mergingIn ?? {})) {
      const sourceNumber = mergeClaimSource(key);
      if (sourceNumber === null || new Date(claim.at).getTime() > startedBefore.getTime()) continue;
      const source = await desk.store.tickets.get(sourceNumber);
      // Under way (finished above, or next run): its own last step lets go of the claim.
      if (source?.merge?.into === target.number && source.merge.state !== 'done') continue;
      const done = source?.mergedInto === target.number;
      // Claimed, and the process died before it held the source: the agent's merge is done as they asked.
      const result =
        source && !done
          ? await mergeTickets(desk, { sources: [source.number], target: target.number, agent: claim.by })
          : null;
      if (result?.ok) recovery.finished.push(result);
      else {
        if (result) recovery.refused.push({ source: sourceNumber, refusal: result });
        await desk.store.tickets.releaseMergeClaim(target.number, sourceNumber);
        recovery.releasedClaims += 1;
      }
    }
  }
  return recovery;
}

/** What the agent whose merge was cut short is told once the recovery job has finished it. */
export function interruptedMergeText(target: number, merged: readonly number[], notMerged: readonly number[]): string {
  const list = (numbers: readonly number[]) => numbers.map((number) => `#${number}`).join(', ');
  const parts = [`Your merge into #${target} was cut short by a restart; deskbolt finished it.`];
  if (merged.length > 0) parts.push(`Merged ${list(merged)} into #${target}.`);
  if (notMerged.length > 0)
    parts.push(`Not merged: ${list(notMerged)} (changed meanwhile); merge again if still needed.`);
  return parts.join(' ');
}
