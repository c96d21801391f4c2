import type { UpdateFilter } from 'mongodb';
import { type FilterQuery, Schema, type UpdateQuery } from 'mongoose';
import type {
  Actor,
  CommentKind,
  NewTicketEvent,
  Requester,
  Ticket,
  TicketAction,
  TicketComment,
  TicketEvent,
  TicketStatus,
} from '../tickets/types.js';
import type { CommentDocument } from './comments.js';
import { documentsOf, insertEachOnce, isDuplicateKey, newId } from './documents.js';
import { type EventDocument, eventFields } from './events.js';
import { handBackWatchOf } from './hand-back-watch.js';
import type { Models } from './models.js';
import { matchesPrecondition } from './precondition-match.js';
import { WAITING_FIELDS, type WaitingFields, type WaitingTicketStore } from './waiting-tickets.js';
import { exclusively, writesAreSerialized } from './write-guard.js';

/**
 * A ticket with the indexes its queries need. Every unbounded list (comments, events) is a collection of
 * its own, never an array that grows inside a ticket.
 */
export const ticketSchema = new Schema(
  {
    // The ticket number as text (see ticketId in tickets.ts); `number` carries it as a number.
    _id: String,
    number: { type: Number, required: true },
    subject: { type: String, required: true },
    description: { type: String, default: '' },
    requester: { type: Schema.Types.Mixed, required: true },
    status: { type: String, required: true },
    assignee: { type: String, default: null },
    groupId: { type: Number, required: true },
    priority: { type: String, required: true },
    form: { type: Schema.Types.Mixed, default: {} },
    channel: { type: String, required: true },
    source: { type: Schema.Types.Mixed, default: {} },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    pendingSince: { type: Date, default: null },
    solvedAt: { type: Date, default: null },
    closedAt: { type: Date, default: null },
    mergedInto: { type: Number, default: null },
    version: { type: Number, required: true },
    /**
     * Events written in the same atomic update as the change they describe, then moved to `events`.
     * A process that dies in between leaves them here, and the next flush (or read) completes it.
     */
    outbox: { type: [new Schema({ _id: String, ...eventFields }, { _id: false })], default: [] },
  },
  { collection: 'tickets', versionKey: false, strict: false, minimize: false },
);
ticketSchema.index({ number: 1 }, { unique: true });
// The queue: a group's unassigned tickets that are not merged away, oldest first.
ticketSchema.index({ groupId: 1, assignee: 1, status: 1, mergedInto: 1, createdAt: 1, number: 1 });
// A reload that would remove a group looks for its tickets not yet closed (workspace/reload.ts).
ticketSchema.index({ groupId: 1, status: 1, number: 1 });
// Reminders and hand-backs walk a group's open and pending tickets in number order (src/store/reminders.ts).
ticketSchema.index({ groupId: 1, status: 1, number: 1, updatedAt: 1, pendingSince: 1, 'handBackWatch.since': 1 });
ticketSchema.index({ assignee: 1, status: 1, updatedAt: -1 });
// An agent's tickets still to do, longest waiting first.
ticketSchema.index({ assignee: 1, status: 1, createdAt: 1, number: 1 });
// A requester's other tickets (requesterKey, below); the two after it serve search's requester filters.
ticketSchema.index({ requesterKey: 1, createdAt: -1 });
ticketSchema.index({ 'requester.userId': 1, createdAt: -1 });
ticketSchema.index({ 'requester.email': 1, createdAt: -1 });
ticketSchema.index({ status: 1, pendingSince: 1 });
ticketSchema.index({ status: 1, solvedAt: 1 });
// Outbox events a dead process left behind, oldest first (the sweep hands them out again).
ticketSchema.index({ 'outbox.0.at': 1 });
ticketSchema.index({ closingNoteDue: 1, number: 1 });
ticketSchema.index({ problemOf: 1, number: 1 });
// A problem's incidents still to solve.
ticketSchema.index({ problemOf: 1, status: 1, number: 1 });
// Merges under way (started before a moment, or with no start recorded), and tickets holding merge claims: the recovery jobs.
ticketSchema.index({ 'merge.state': 1, number: 1, 'merge.startedAt': 1 });
ticketSchema.index({ 'merge.state': 1, 'merge.startedAt': 1, number: 1 });
ticketSchema.index({ number: 1, mergingIn: 1 });
// Search and the REST list: by creation (the page order), by tag, by an email requester's old address, open problems.
ticketSchema.index({ createdAt: -1, number: -1 });
ticketSchema.index({ status: 1, createdAt: -1 });
ticketSchema.index({ tags: 1, createdAt: -1 });
ticketSchema.index({ 'requester.previousEmails': 1 });
ticketSchema.index({ problem: 1, status: 1, createdAt: 1, number: 1 });
// The REST list of a key that sees only its own tickets: a bridge's few among many.
ticketSchema.index({ 'source.filedBy': 1, createdAt: -1 });
// The SLA watch: unsolved tickets, a batch at a time in number order.
ticketSchema.index({ status: 1, number: 1 });
// The SLA watch's batches: unsolved tickets of the priorities with targets, in number order.
ticketSchema.index({ status: 1, priority: 1, number: 1 });
// A requester's reply in their DM thread finds its ticket.
ticketSchema.index({ requesterThreadKey: 1 });

/** What must still be true for a change to apply; checked by the database in the same write. */
export interface TicketPrecondition {
  status?: readonly TicketStatus[];
  /** null: nobody has it. */
  assignee?: string | null;
  groupIds?: readonly number[];
  version?: number;
  notMerged?: boolean;
  /** No merge into this ticket is under way (see Ticket.mergingIn): the condition for merging it away. */
  notMergeTarget?: boolean;
  /** Pending since this moment or earlier: the auto-close's condition, checked in the same write as the close. */
  pendingSinceAtOrBefore?: Date;
  solvedAtOrBefore?: Date;
  /** Exact values (or operator conditions written by the workflow, never by a person) of other fields. */
  fields?: Record<string, unknown>;
}

/**
 * How a conditional change reaches the server. `in-filter` is MongoDB's way: one findOneAndUpdate with
 * the precondition in its filter, atomic on the server. `read-check-write` is the embedded FerretDB's
 * way: it answers only an exact {_id} filter from an index, so the store reads by _id, checks the
 * precondition itself (precondition-match.ts) and writes by _id, holding the write guard across all
 * three. It needs that guard, so it exists only where writes are serialized; `in-filter` runs anywhere
 * (on FerretDB under the guard too, which is how the tests exercise MongoDB's branch without MongoDB).
 */
export type ConditionalWrites = 'in-filter' | 'read-check-write';

export type TicketFields = Omit<Ticket, 'number' | 'version' | 'createdAt' | 'updatedAt'>;
export type TicketChanges = Partial<Omit<Ticket, 'number' | 'version' | 'createdAt'>>;

export type TicketDocument = Ticket & { _id: string; outbox?: (NewTicketEvent & { _id: string })[] };

export interface SlackMessageRef {
  channel: string;
  ts: string;
}

const FIRST_TICKET_NUMBER = 1001;

/**
 * A ticket's _id is its number, as text. Looking a ticket up by _id is what every server answers
 * from an index; FerretDB v1 (SQLite) answers only an exact {_id} filter from one, and only when the
 * _id is a string or an ObjectId (backends/sqlite/collection.go), so a numeric _id scanned too.
 */
export function ticketId(number: number): string {
  return String(number);
}

/**
 * Who filed the ticket, as one top-level field (`slack:U…` or `email:…`): a requester's other tickets
 * are read by it. FerretDB v1 hands PostgreSQL only top-level equalities (a dotted path such as
 * `requester.userId` is filtered in Go, after every ticket is fetched and decoded: 1.4 s at 10,000
 * tickets for a take's answer); a top-level one is filtered by PostgreSQL and only the matches come back.
 */
export function requesterKey(requester: Requester): string {
  return requester.kind === 'slack' ? `slack:${requester.userId}` : `email:${requester.email}`;
}

/** The key of a merge claim in Ticket.mergingIn: a field name cannot be a bare number everywhere. */
export function mergeClaimKey(source: number): string {
  return `n${source}`;
}

export function mergeClaimSource(key: string): number | null {
  return /^n\d+$/.test(key) ? Number(key.slice(1)) : null;
}

const WAITING_STATUSES: readonly TicketStatus[] = ['new', 'open'];

/**
 * Can this change move the ticket into the queue or out of it? Only when it sets a field that decides
 * (WAITING_FIELDS), and not when the ticket did not wait before (its precondition says so) and does
 * not wait after (what it sets says so): a close of a pending ticket costs the queue nothing.
 */
function mayChangeWaiting(changes: Record<string, unknown>, precondition: TicketPrecondition = {}): boolean {
  if (!WAITING_FIELDS.some((field) => field in changes)) return false;
  const waitedNot =
    precondition.status?.every((status) => !WAITING_STATUSES.includes(status)) === true ||
    typeof precondition.assignee === 'string';
  const waitsNot =
    (typeof changes.status === 'string' && !WAITING_STATUSES.includes(changes.status as TicketStatus)) ||
    typeof changes.assignee === 'string' ||
    (changes.mergedInto !== undefined && changes.mergedInto !== null);
  return !(waitedNot && waitsNot);
}

const waitingProjection = {
  _id: 0,
  number: 1,
  groupId: 1,
  assignee: 1,
  status: 1,
  mergedInto: 1,
  createdAt: 1,
  priority: 1,
} as const;

function byNumber(number: number): FilterQuery<Ticket> {
  return { _id: ticketId(number) } as FilterQuery<Ticket>;
}

export function toTicket(document: TicketDocument): Ticket {
  const { _id, outbox, slack, requesterKey, ...ticket } = document as TicketDocument & {
    slack?: unknown;
    requesterKey?: string;
  };
  void _id;
  void outbox;
  void slack;
  void requesterKey;
  return ticket;
}

/** The events waiting in a ticket's outbox, oldest first, as the history has them. */
function outboxOf(document: TicketDocument): TicketEvent[] {
  return (document.outbox ?? []).map(
    ({ _id, ...event }) => ({ id: _id, ticketNumber: document.number, ...event }) as TicketEvent,
  );
}

function preconditionFilter(number: number, precondition: TicketPrecondition): FilterQuery<Ticket> {
  const filter: FilterQuery<Ticket> = byNumber(number);
  if (precondition.status) filter.status = { $in: [...precondition.status] };
  if (precondition.assignee !== undefined) filter.assignee = precondition.assignee;
  if (precondition.groupIds) filter.groupId = { $in: [...precondition.groupIds] };
  if (precondition.version !== undefined) filter.version = precondition.version;
  if (precondition.notMerged) filter.mergedInto = null;
  // Never claimed (missing), or every claim released (an empty object is what $unset leaves).
  if (precondition.notMergeTarget) filter.mergingIn = { $in: [null, {}] };
  if (precondition.pendingSinceAtOrBefore) filter.pendingSince = { $lte: precondition.pendingSinceAtOrBefore };
  if (precondition.solvedAtOrBefore) filter.solvedAt = { $lte: precondition.solvedAtOrBefore };
  if (precondition.fields) Object.assign(filter, precondition.fields);
  return filter;
}

/** A reply in a live chat, or an email sent during one: the whole chat is one contact. */
export function isChatReply(to: unknown): boolean {
  const { via, during } = (to ?? {}) as { via?: unknown; during?: unknown };
  return via === 'chat' || during === 'chat';
}

function outboxEntry(event: NewTicketEvent) {
  return { _id: newId(), ...event };
}

/** The update of a change (see `change`): its fields, the version bumped, its events into the outbox. */
function changeUpdate(changes: TicketChanges, events: readonly NewTicketEvent[], now: Date) {
  const entries = events.map(outboxEntry);
  // The first public reply stops the first-reply SLA: kept on the ticket by whichever write records a `replied`.
  const replies = entries.filter((entry) => entry.action === 'replied');
  // The contacts the week's first-contact figure reads at a solve, counted as contactsBefore counts them.
  const inChat = replies.filter((entry) => isChatReply(entry.to)).length;
  const watch = handBackWatchOf(entries);
  const update = {
    $set: {
      ...changes,
      ...(changes.requester ? { requesterKey: requesterKey(changes.requester) } : {}),
      updatedAt: now,
      ...(inChat > 0 ? { 'contacts.chat': true } : {}),
      ...(watch !== undefined ? { handBackWatch: watch } : {}),
    },
    $inc: { version: 1, ...(replies.length > inChat ? { 'contacts.replies': replies.length - inChat } : {}) },
    $push: { outbox: { $each: entries } },
    ...(replies.length > 0
      ? { $min: { firstReplyAt: new Date(Math.min(...replies.map((entry) => new Date(entry.at).getTime()))) } }
      : {}),
  };
  return { update, entries };
}

/** One ticket's part of `changeEach`: what `change` takes, for many tickets at once. */
export interface TicketBatchChange {
  number: number;
  precondition: TicketPrecondition;
  changes: TicketChanges;
  events: readonly NewTicketEvent[];
}

/** A comment written by the desk itself under an id of its own (the auto-close's note): see `addComments`. */
export type NewComment = TicketComment;

/** A message's place as one string: a requester's reply in their DM is matched to its ticket by it. */
function placeKey(ref: SlackMessageRef): string {
  return `${ref.channel}:${ref.ts}`;
}

/** The most of a ticket's history read at once (its History view pages through all of it). */
const HISTORY_READ_LIMIT = 1000;

/**
 * FerretDB v1.24 keeps each statement's read open until the whole `update` command ends (a deferred
 * close inside its loop, internal/handler/msg_update.go), and each statement's write takes one more
 * connection: its SQLite pool has 100 connections, its PostgreSQL pool 50 (pool_max_conns, pool/uri.go),
 * so an update command of 50 statements waits forever on PostgreSQL (the auto-close's first batch
 * hung there). On it, bulk updates go in commands of this many statements, leaving the pool room for
 * the requests beside them; MongoDB takes any number (the driver splits at its own limit).
 */
const FERRETDB_STATEMENTS_PER_UPDATE = 20;

type TicketUpdateStatement = { updateOne: { filter: FilterQuery<Ticket>; update: UpdateFilter<Ticket> } };

export class TicketStore {
  constructor(
    private readonly models: Models,
    private readonly waiting: WaitingTicketStore,
    readonly conditionalWrites: ConditionalWrites = writesAreSerialized() ? 'read-check-write' : 'in-filter',
  ) {}

  /** A conditional write, and the queue's entry set right when the write may have changed whether the ticket waits. */
  private async updateWhere(
    number: number,
    filter: FilterQuery<Ticket>,
    update: UpdateQuery<Ticket>,
    precondition?: TicketPrecondition,
  ): Promise<TicketDocument | null> {
    const document = await this.conditionallyUpdate(number, filter, update);
    const set = (update as { $set?: Record<string, unknown> }).$set ?? {};
    if (document && mayChangeWaiting(set, precondition)) await this.waiting.follow(document);
    return document;
  }

  /** The one place a conditional write picks its branch (see ConditionalWrites). */
  private async conditionallyUpdate(
    number: number,
    filter: FilterQuery<Ticket>,
    update: UpdateQuery<Ticket>,
  ): Promise<TicketDocument | null> {
    if (this.conditionalWrites === 'in-filter') {
      return this.models.Ticket.findOneAndUpdate(filter, update, {
        new: true,
        lean: true,
      }) as unknown as Promise<TicketDocument | null>;
    }
    // No other write of this process comes between the read, the check and the write.
    return exclusively(async () => {
      const current = await this.models.Ticket.findOne(byNumber(number)).lean();
      if (!current || !matchesPrecondition(current, filter as Record<string, unknown>)) return null;
      return this.models.Ticket.findOneAndUpdate(byNumber(number), update, {
        new: true,
        lean: true,
      }) as unknown as Promise<TicketDocument | null>;
    });
  }

  /** Statements that each stand alone (none depends on another's outcome), in as few commands as the server takes. */
  private async updateEach(statements: readonly TicketUpdateStatement[]): Promise<void> {
    const size = writesAreSerialized() ? FERRETDB_STATEMENTS_PER_UPDATE : statements.length;
    for (let start = 0; start < statements.length; start += size) {
      await this.models.Ticket.bulkWrite<Ticket>(statements.slice(start, start + size), { ordered: false });
    }
  }

  /** #1001, #1002, …: an atomic counter, so two replicas never hand out one number twice. */
  async nextNumber(): Promise<number> {
    const counter = await this.models.Counter.findOneAndUpdate(
      { _id: 'ticket' },
      { $inc: { seq: 1 } },
      { upsert: true, new: true, lean: true },
    );
    return FIRST_TICKET_NUMBER - 1 + counter!.seq;
  }

  /**
   * Files a ticket under the next number, or under `reservedNumber` (taken earlier from nextNumber so
   * a retried request files the same ticket): when that number already exists, the existing ticket
   * is returned and nothing is written.
   */
  async create(fields: TicketFields, event: NewTicketEvent, now: Date, reservedNumber?: number): Promise<Ticket> {
    const number = reservedNumber ?? (await this.nextNumber());
    const document = {
      _id: ticketId(number),
      ...fields,
      requesterKey: requesterKey(fields.requester),
      number,
      version: 1,
      createdAt: now,
      updatedAt: now,
      contacts: { counted: true, replies: 0, chat: false },
      outbox: [outboxEntry(event)],
    };
    try {
      await documentsOf<TicketDocument>(this.models.Ticket).insertOne(document);
    } catch (error) {
      if (reservedNumber === undefined || !isDuplicateKey(error)) throw error;
      return (await this.get(number))!;
    }
    const ticket = toTicket(document as unknown as TicketDocument);
    await this.waiting.follow(ticket);
    return ticket;
  }

  async get(number: number): Promise<Ticket | null> {
    const document = await this.models.Ticket.findOne(byNumber(number)).lean<TicketDocument>();
    return document ? toTicket(document) : null;
  }

  /** The ticket and where it is in Slack, from one read: the live message renders from both. */
  async withPlaces(number: number): Promise<{
    ticket: Ticket;
    places: { live?: SlackMessageRef & { groupId: number }; requesterThread?: SlackMessageRef };
  } | null> {
    const document = await this.models.Ticket.findOne(byNumber(number)).lean<
      TicketDocument & { slack?: { live?: SlackMessageRef & { groupId: number }; requesterThread?: SlackMessageRef } }
    >();
    return document ? { ticket: toTicket(document), places: document.slack ?? {} } : null;
  }

  async getMany(numbers: readonly number[]): Promise<Ticket[]> {
    const documents = await this.models.Ticket.find({ _id: { $in: numbers.map(ticketId) } })
      .sort({ number: 1 })
      .lean<TicketDocument[]>();
    return documents.map(toTicket);
  }

  /**
   * One atomic update: applies `changes` only while `precondition` holds, bumps the version and
   * records the event in the same write. Returns null when the precondition no longer held.
   */
  async change(
    number: number,
    precondition: TicketPrecondition,
    changes: TicketChanges,
    event: NewTicketEvent | readonly NewTicketEvent[],
    now: Date,
  ): Promise<Ticket | null> {
    // Several events of one change (a reply and the status it set) are written by the same update.
    const { update } = changeUpdate(
      changes,
      Array.isArray(event) ? (event as readonly NewTicketEvent[]) : [event as NewTicketEvent],
      now,
    );
    const document = await this.updateWhere(number, preconditionFilter(number, precondition), update, precondition);
    if (!document) return null;
    return toTicket(document as unknown as TicketDocument);
  }

  /**
   * `change` for many tickets in one bulk write (a job's batch): each ticket's change applies only
   * while its own precondition holds, as atomically as `change` does, so a reply that reopened one
   * a moment before wins and the others change all the same. Returns the numbers that changed.
   * MongoDB (`in-filter`): one bulkWrite whose statements carry their preconditions, then one read of
   * which tickets hold the events just written (the bulk write's answer only counts them). FerretDB
   * (`read-check-write`): under the write guard, one read, the check, one bulkWrite by _id.
   */
  async changeEach(batch: readonly TicketBatchChange[], now: Date): Promise<number[]> {
    const changed = await this.changeEachTicket(batch, now);
    if (changed.length > 0 && batch.some((item) => mayChangeWaiting(item.changes, item.precondition)))
      await this.followWaiting(changed);
    return changed;
  }

  private async changeEachTicket(batch: readonly TicketBatchChange[], now: Date): Promise<number[]> {
    if (batch.length === 0) return [];
    const writes = batch.map((item) => ({
      item,
      filter: preconditionFilter(item.number, item.precondition),
      ...changeUpdate(item.changes, item.events, now),
    }));
    const ids = batch.map((item) => ticketId(item.number));
    if (this.conditionalWrites === 'in-filter') {
      await this.updateEach(writes.map(({ filter, update }) => ({ updateOne: { filter, update } })));
      const eventIds = writes.flatMap(({ entries }) => entries.map((entry) => entry._id));
      // A ticket whose events someone else already handed out is missed here; its closing note (set due
      // in this same write) is then written by the next run, and its events are out already.
      const changed = await this.models.Ticket.find(
        { _id: { $in: ids }, 'outbox._id': { $in: eventIds } },
        { number: 1 },
      ).lean<{ number: number }[]>();
      const numbers = new Set(changed.map((document) => document.number));
      return batch.map((item) => item.number).filter((number) => numbers.has(number));
    }
    // No other write of this process comes between the read, the checks and the write.
    return exclusively(async () => {
      const current = new Map(
        (await this.models.Ticket.find({ _id: { $in: ids } }).lean<TicketDocument[]>()).map((document) => [
          document.number,
          document,
        ]),
      );
      const applying = writes.filter(({ item, filter }) => {
        const document = current.get(item.number);
        return document !== undefined && matchesPrecondition(document, filter as Record<string, unknown>);
      });
      await this.updateEach(
        applying.map(({ item, update }) => ({ updateOne: { filter: byNumber(item.number), update } })),
      );
      return applying.map(({ item }) => item.number);
    });
  }

  /**
   * Events about a ticket that change nothing an agent works from (a hand-over asked, an SLA warning),
   * written to its outbox with `set` (bookkeeping fields only) while `precondition` holds — without
   * bumping the version or updatedAt, so a reply form the agent has open stays valid.
   */
  async record(
    number: number,
    precondition: TicketPrecondition,
    set: TicketChanges,
    events: readonly NewTicketEvent[],
  ): Promise<Ticket | null> {
    const update = {
      ...(Object.keys(set).length > 0 ? { $set: set } : {}),
      $push: { outbox: { $each: events.map(outboxEntry) } },
    };
    const document = await this.updateWhere(number, preconditionFilter(number, precondition), update, precondition);
    return document ? toTicket(document as unknown as TicketDocument) : null;
  }

  /**
   * Claims `target` for a merge from `source`, in one conditional write on the target: only while the
   * target is not itself being merged away, not merged and in one of `statuses`. A ticket holding a
   * claim is not marked as a merge's source (`notMergeTarget`), so of "A into B" and "B into C" (or
   * "B into A") only one gets under way: both are decided by a write on B, one after the other. No
   * version bump: an agent's reply modal open on the target stays valid.
   */
  async claimMergeTarget(
    target: number,
    source: number,
    by: string,
    statuses: readonly TicketStatus[],
    now: Date,
  ): Promise<Ticket | null> {
    const filter = { ...preconditionFilter(target, { status: statuses, notMerged: true }), merge: null };
    const document = await this.updateWhere(target, filter, {
      $set: { [`mergingIn.${mergeClaimKey(source)}`]: { at: now, by } },
    });
    return document ? toTicket(document) : null;
  }

  /** Safe to repeat, and to call for a claim that was never made. */
  async releaseMergeClaim(target: number, source: number): Promise<void> {
    await this.models.Ticket.updateOne(byNumber(target), { $unset: { [`mergingIn.${mergeClaimKey(source)}`]: '' } });
  }

  /** Tickets holding merge claims, for the job that lets go of the ones a dead process left. */
  async withMergeClaims(limit: number): Promise<Ticket[]> {
    const documents = await this.models.Ticket.find({ mergingIn: { $exists: true, $nin: [null, {}] } })
      .sort({ number: 1 })
      .limit(limit)
      .lean<TicketDocument[]>();
    return documents.map(toTicket);
  }

  /**
   * The oldest unassigned ticket of these groups, given to `agent`: claimed from the queue's own small
   * collection (one conditional write), then taken with the ticket's conditional write, as "Take it"
   * takes it. An entry whose ticket stopped waiting is set right and the next one tried.
   */
  async claimOldest(
    groupIds: readonly number[],
    agent: string,
    event: NewTicketEvent,
    now: Date,
  ): Promise<Ticket | null> {
    for (;;) {
      const number = await this.waiting.claimOldest(groupIds, agent, now);
      if (number === null) return null;
      const taken = await this.change(
        number,
        { assignee: null, status: ['new', 'open'], notMerged: true, groupIds },
        { assignee: agent, status: 'open' },
        event,
        now,
      );
      if (taken) return taken;
      await this.followWaiting([number]);
    }
  }

  /** Unassigned tickets of these groups in queue order (urgent and high first, then oldest): the agent's views. */
  async queue(groupIds: readonly number[], limit: number): Promise<Ticket[]> {
    const numbers = await this.waiting.numbers(groupIds, limit);
    if (numbers.length === 0) return [];
    const byNumberRead = new Map((await this.getMany(numbers)).map((ticket) => [ticket.number, ticket]));
    return numbers.flatMap((number) => byNumberRead.get(number) ?? []);
  }

  /** Unassigned tickets of these groups, oldest first whatever their priority: how long a queue has waited. */
  async oldestWaiting(groupIds: readonly number[], limit: number): Promise<Ticket[]> {
    const numbers = await this.waiting.numbersByAge(groupIds, limit);
    if (numbers.length === 0) return [];
    const byNumberRead = new Map((await this.getMany(numbers)).map((ticket) => [ticket.number, ticket]));
    return numbers.flatMap((number) => byNumberRead.get(number) ?? []);
  }

  /** When each of the first `limit` unassigned tickets of these groups was filed, oldest first: a queue's size and wait in one read. */
  async queueFiledAt(groupIds: readonly number[], limit: number): Promise<Date[]> {
    return this.waiting.filedAt(groupIds, limit);
  }

  async countQueue(groupIds: readonly number[]): Promise<number> {
    return this.waiting.count(groupIds);
  }

  /** Sets the queue's entries of these tickets right from the tickets themselves (a claim that lost, a cut write). */
  async followWaiting(numbers: readonly number[]): Promise<void> {
    if (numbers.length === 0) return;
    const tickets = await this.models.Ticket.find({ _id: { $in: numbers.map(ticketId) } }, waitingProjection).lean<
      WaitingFields[]
    >();
    const found = new Set(tickets.map((ticket) => ticket.number));
    await this.waiting.followEach(tickets);
    // A ticket that is not there at all (deleted by hand) waits for nobody.
    const missing = numbers.filter((number) => !found.has(number)).map((number) => String(number));
    if (missing.length > 0) await this.waiting.model.deleteMany({ _id: { $in: missing } });
  }

  /**
   * Gives `requesterKey` to tickets filed before it existed, a batch at a time (a start after the
   * upgrade, by the read models' mark): until then their requester's other tickets would miss them.
   */
  async keyRequesters(batch = 500): Promise<number> {
    let keyed = 0;
    for (;;) {
      const unkeyed = await this.models.Ticket.find({ requesterKey: null }, { _id: 0, number: 1, requester: 1 })
        .limit(batch)
        .lean<{ number: number; requester: Requester }[]>();
      if (unkeyed.length === 0) return keyed;
      await this.updateEach(
        unkeyed.map((ticket) => ({
          updateOne: {
            filter: byNumber(ticket.number),
            update: { $set: { requesterKey: requesterKey(ticket.requester) } },
          },
        })),
      );
      keyed += unkeyed.length;
    }
  }

  /** The tickets that wait now, by a scan of the tickets: what the queue's collection is rebuilt from. */
  async waitingNow(): Promise<WaitingFields[]> {
    // Unassigned and new or open, by the tickets' (assignee, status) index; merged ones are few and left out here.
    const unassigned = await this.models.Ticket.find(
      { assignee: null, status: { $in: ['new', 'open'] } },
      waitingProjection,
    ).lean<WaitingFields[]>();
    return unassigned.filter((ticket) => ticket.mergedInto === null);
  }

  async assignedTo(agent: string, statuses: readonly TicketStatus[], limit: number): Promise<Ticket[]> {
    const documents = await this.models.Ticket.find({ assignee: agent, status: { $in: [...statuses] } })
      .sort({ updatedAt: -1 })
      .limit(limit)
      .lean<TicketDocument[]>();
    return documents.map(toTicket);
  }

  /** Tickets of these groups not yet closed (merged ones included): what a group's removal would orphan. */
  async notClosedIn(groupIds: readonly number[], limit: number): Promise<{ number: number; groupId: number }[]> {
    if (groupIds.length === 0) return [];
    // Unsorted: the groups' index serves the filter, and which few are named matters less than naming some.
    const found = await this.models.Ticket.find(
      { groupId: { $in: [...groupIds] }, status: { $in: ['new', 'open', 'pending', 'solved'] } },
      { _id: 0, number: 1, groupId: 1 },
    )
      .limit(limit)
      .lean<{ number: number; groupId: number }[]>();
    return found.sort((a, b) => a.number - b.number);
  }

  async countAssigned(agent: string, statuses: readonly TicketStatus[]): Promise<number> {
    return this.models.Ticket.countDocuments({ assignee: agent, status: { $in: [...statuses] } });
  }

  /** How many tickets each of these agents has in these statuses, in one read (an agent with none is left out). */
  async countAssignedByAgent(
    agents: readonly string[],
    statuses: readonly TicketStatus[],
  ): Promise<Map<string, number>> {
    if (agents.length === 0) return new Map();
    const counts = await this.models.Ticket.aggregate<{ _id: string; count: number }>([
      { $match: { assignee: { $in: [...agents] }, status: { $in: [...statuses] } } },
      { $group: { _id: '$assignee', count: { $sum: 1 } } },
    ]);
    return new Map(counts.map((entry) => [entry._id, entry.count]));
  }

  /**
   * An event about a ticket that changes nothing on it (a satisfaction answer): written to the
   * history only, so the ticket's version and updatedAt stay what the agent last saw.
   */
  async appendEvent(ticketNumber: number, event: NewTicketEvent): Promise<TicketEvent> {
    const id = newId();
    await documentsOf<EventDocument>(this.models.Event).insertOne({ _id: id, ticketNumber, ...event });
    return { id, ticketNumber, ...event };
  }

  /** Events of these kinds in [from, to), oldest first, at most `limit`: the stats' bounded, indexed read. */
  async eventsBetween(actions: readonly TicketAction[], from: Date, to: Date, limit: number): Promise<TicketEvent[]> {
    const documents = await this.models.Event.find({ action: { $in: [...actions] }, at: { $gte: from, $lt: to } })
      .sort({ at: 1, _id: 1 })
      .limit(limit)
      .lean();
    return documents.map(({ _id, ...event }) => ({ id: String(_id), ...event }) as TicketEvent);
  }

  /** Events of these kinds for these tickets, oldest first (all time: a first reply may precede the window). */
  async eventsOf(ticketNumbers: readonly number[], actions: readonly TicketAction[]): Promise<TicketEvent[]> {
    if (ticketNumbers.length === 0) return [];
    const documents = await this.models.Event.find({
      ticketNumber: { $in: [...ticketNumbers] },
      action: { $in: [...actions] },
    })
      .sort({ at: 1, _id: 1 })
      .lean();
    return documents.map(({ _id, ...event }) => ({ id: String(_id), ...event }) as TicketEvent);
  }

  /** The requester's tickets, newest first, to catch duplicates. */
  async ofRequester(requester: Requester, limit: number, exceptNumber?: number): Promise<Ticket[]> {
    // The exception is left out here, not in the filter: a `number` condition is one the requester index does not hold.
    const documents = await this.models.Ticket.find({ requesterKey: requesterKey(requester) })
      .sort({ createdAt: -1 })
      .limit(exceptNumber === undefined ? limit : limit + 1)
      .lean<TicketDocument[]>();
    return documents
      .map(toTicket)
      .filter((ticket) => ticket.number !== exceptNumber)
      .slice(0, limit);
  }

  /**
   * Where the ticket is shown in Slack (its live message, the requester's thread). Written beside the
   * ticket's fields, not as a change: it bumps no version an agent's open form was built on.
   */
  async rememberPlace(
    number: number,
    place: 'live' | 'requesterThread',
    ref: SlackMessageRef & { groupId?: number },
  ): Promise<void> {
    await this.models.Ticket.updateOne(byNumber(number), {
      $set: { [`slack.${place}`]: ref, ...(place === 'requesterThread' ? { requesterThreadKey: placeKey(ref) } : {}) },
    });
  }

  async placesOf(
    number: number,
  ): Promise<{ live?: SlackMessageRef & { groupId: number }; requesterThread?: SlackMessageRef }> {
    const document = await this.models.Ticket.findOne(byNumber(number), { slack: 1 }).lean<{
      slack?: { live?: SlackMessageRef & { groupId: number }; requesterThread?: SlackMessageRef };
    }>();
    return document?.slack ?? {};
  }

  async numberOfRequesterThread(ref: SlackMessageRef): Promise<number | null> {
    const document = await this.models.Ticket.findOne({ requesterThreadKey: placeKey(ref) }, { number: 1 }).lean<{
      number: number;
    }>();
    return document?.number ?? null;
  }

  /** The ticket as it is now, with the events still in its outbox (oldest first). */
  async withOutbox(number: number): Promise<{
    ticket: Ticket;
    outbox: TicketEvent[];
    places: { live?: SlackMessageRef & { groupId: number }; requesterThread?: SlackMessageRef };
  } | null> {
    const document = await this.models.Ticket.findOne(byNumber(number)).lean<
      TicketDocument & { slack?: { live?: SlackMessageRef & { groupId: number }; requesterThread?: SlackMessageRef } }
    >();
    if (!document) return null;
    return { ticket: toTicket(document), outbox: outboxOf(document), places: document.slack ?? {} };
  }

  /**
   * Writes events into the history. Safe to repeat: an event id is inserted at most once. An event
   * that carries the comment it writes (the auto-close's closing note) has it written here too, under
   * the comment's own id: the note is stored when its event is, by whichever process hands the event
   * out, so the close needs no mark of its own (one write of the ticket less) and a retry keeps one note.
   */
  async recordHistory(events: readonly TicketEvent[]): Promise<void> {
    if (events.length === 0) return;
    const notes: CommentDocument[] = events.flatMap((event) =>
      event.action === 'auto_closed' && event.closingNote
        ? [
            {
              _id: event.closingNote.commentId,
              ticketNumber: event.ticketNumber,
              kind: 'public' as const,
              author: event.actor,
              text: event.closingNote.text,
              createdAt: event.at,
            },
          ]
        : [],
    );
    await Promise.all([
      insertEachOnce(
        documentsOf<EventDocument>(this.models.Event),
        events.map(({ id, ...event }) => ({ _id: id, ...event })),
      ),
      insertEachOnce(documentsOf<CommentDocument>(this.models.Comment), notes),
    ]);
  }

  /** `withOutbox` for many tickets in one read, in the order asked; tickets that are gone are left out. */
  async withOutboxes(numbers: readonly number[]): Promise<{ ticket: Ticket; outbox: TicketEvent[] }[]> {
    if (numbers.length === 0) return [];
    const documents = await this.models.Ticket.find({ _id: { $in: numbers.map(ticketId) } }).lean<TicketDocument[]>();
    const byNumberRead = new Map(documents.map((document) => [document.number, document]));
    return numbers.flatMap((number) => {
      const document = byNumberRead.get(number);
      if (!document) return [];
      return [{ ticket: toTicket(document), outbox: outboxOf(document) }];
    });
  }

  /** `clearOutbox` for many tickets in one bulk write. */
  async clearOutboxes(handedOut: readonly { number: number; eventIds: readonly string[] }[]): Promise<void> {
    const clearing = handedOut.filter((entry) => entry.eventIds.length > 0);
    if (clearing.length === 0) return;
    if (!writesAreSerialized()) {
      await this.updateEach(
        clearing.map(({ number, eventIds }) => ({
          updateOne: { filter: byNumber(number), update: { $pull: { outbox: { _id: { $in: [...eventIds] } } } } },
        })),
      );
      return;
    }
    // FerretDB v1 ignores a $pull with a query condition: read and write back under the write guard.
    await exclusively(async () => {
      const documents = await this.models.Ticket.find(
        { _id: { $in: clearing.map(({ number }) => ticketId(number)) } },
        { number: 1, outbox: 1 },
      ).lean<TicketDocument[]>();
      const gone = new Set(clearing.flatMap(({ eventIds }) => eventIds));
      const rewrites = documents.flatMap((document) => {
        const outbox = document.outbox ?? [];
        const remaining = outbox.filter((entry) => !gone.has(entry._id));
        return remaining.length === outbox.length
          ? []
          : [{ updateOne: { filter: byNumber(document.number), update: { $set: { outbox: remaining } } } }];
      });
      await this.updateEach(rewrites);
    });
  }

  /** Takes handed-out events out of the outbox; events added meanwhile stay. */
  async clearOutbox(number: number, eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    if (!writesAreSerialized()) {
      await this.models.Ticket.updateOne(byNumber(number), { $pull: { outbox: { _id: { $in: [...eventIds] } } } });
      return;
    }
    // FerretDB v1 ignores a $pull with a query condition: read and write back under the write guard.
    await exclusively(async () => {
      const document = await this.models.Ticket.findOne(byNumber(number), { outbox: 1 }).lean<TicketDocument>();
      const gone = new Set(eventIds);
      const remaining = (document?.outbox ?? []).filter((entry) => !gone.has(entry._id));
      if (remaining.length === (document?.outbox ?? []).length) return;
      await this.models.Ticket.updateOne(byNumber(number), { $set: { outbox: remaining } });
    });
  }

  /** Pending since `cutoff` or earlier, longest waiting first: what the auto-close works through, a batch at a time. */
  async pendingSinceAtOrBefore(cutoff: Date, limit: number): Promise<number[]> {
    const documents = await this.models.Ticket.find(
      { status: 'pending', pendingSince: { $lte: cutoff } },
      { number: 1 },
    )
      .sort({ pendingSince: 1 })
      .limit(limit)
      .lean<{ number: number }[]>();
    return documents.map((document) => document.number);
  }

  async solvedAtOrBefore(cutoff: Date, limit: number): Promise<number[]> {
    const documents = await this.models.Ticket.find({ status: 'solved', solvedAt: { $lte: cutoff } }, { number: 1 })
      .sort({ solvedAt: 1 })
      .limit(limit)
      .lean<{ number: number }[]>();
    return documents.map((document) => document.number);
  }

  /**
   * Closed by an older version's auto-close, which marked the note due in the close and wrote it after:
   * a run that died in between left the mark (today's close carries its note in its event instead).
   */
  async withClosingNoteDue(limit: number): Promise<Ticket[]> {
    const documents = await this.models.Ticket.find({ closingNoteDue: true })
      .sort({ number: 1 })
      .limit(limit)
      .lean<TicketDocument[]>();
    return documents.map(toTicket);
  }

  /** One bulk write by _id, which FerretDB answers from its index (an `$in` filter it would scan). */
  async closingNotesSent(numbers: readonly number[]): Promise<void> {
    if (numbers.length === 0) return;
    await this.updateEach(
      numbers.map((number) => ({
        updateOne: { filter: byNumber(number), update: { $set: { closingNoteDue: false } } },
      })),
    );
  }

  /** An agent's tickets still to do, longest waiting first. */
  async oldestAssigned(agent: string, statuses: readonly TicketStatus[], limit: number): Promise<Ticket[]> {
    const documents = await this.models.Ticket.find({ assignee: agent, status: { $in: [...statuses] } })
      .sort({ createdAt: 1, number: 1 })
      .limit(limit)
      .lean<TicketDocument[]>();
    return documents.map(toTicket);
  }

  /** Tickets whose oldest outbox event is older than `since`: left behind by a process that died. */
  async withEventsWaitingSince(since: Date, limit: number): Promise<number[]> {
    const documents = await this.models.Ticket.find({ 'outbox.0.at': { $lt: since } }, { number: 1 })
      .limit(limit)
      .lean<{ number: number }[]>();
    return documents.map((document) => document.number);
  }

  /** One page of a ticket's history, oldest first, and how many events it has: what the History view reads. */
  async historyPage(number: number, skip: number, limit: number): Promise<{ events: TicketEvent[]; total: number }> {
    const [documents, total] = await Promise.all([
      this.models.Event.find({ ticketNumber: number }).sort({ at: 1, _id: 1 }).skip(skip).limit(limit).lean(),
      this.models.Event.countDocuments({ ticketNumber: number }),
    ]);
    return { events: documents.map(({ _id, ...event }) => ({ id: String(_id), ...event }) as TicketEvent), total };
  }

  /** A ticket's latest `limit` events, oldest first, those still waiting in its outbox included. */
  async history(number: number, limit = HISTORY_READ_LIMIT): Promise<TicketEvent[]> {
    const [newestFirst, ticket] = await Promise.all([
      this.models.Event.find({ ticketNumber: number }).sort({ at: -1, _id: -1 }).limit(limit).lean<EventDocument[]>(),
      this.models.Ticket.findOne(byNumber(number), { outbox: 1 }).lean<TicketDocument>(),
    ]);
    const flushed = newestFirst.reverse();
    // An event being handed out is in both for a moment: the history's copy counts once.
    const recorded = new Set(flushed.map((event) => String(event._id)));
    const pending = (ticket?.outbox ?? [])
      .filter((entry) => !recorded.has(entry._id))
      .map((entry) => ({ ...entry, ticketNumber: number }));
    return [...flushed, ...pending]
      .slice(-limit)
      .map(({ _id, ...event }) => ({ id: String(_id), ...event }) as TicketEvent);
  }

  /**
   * Adds a comment. With an `id` (for example derived from a Slack message or an API idempotency
   * key) a repeat is recognised: the comment is stored once and `duplicate` says it was there.
   */
  async addComment(
    ticketNumber: number,
    kind: CommentKind,
    author: Actor,
    text: string,
    now: Date,
    options: { id?: string; extra?: Record<string, unknown> } = {},
  ): Promise<TicketComment & { duplicate: boolean }> {
    const id = options.id ?? newId();
    try {
      await documentsOf<CommentDocument>(this.models.Comment).insertOne({
        _id: id,
        ticketNumber,
        kind,
        author,
        text,
        createdAt: now,
        ...options.extra,
      });
      return { id, ticketNumber, kind, author, text, createdAt: now, duplicate: false };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = (await this.comment(id))!;
      return { ...existing, duplicate: true };
    }
  }

  /**
   * Comments under ids of their own, inserted together: one already there (a run that died after
   * writing it) is left as it is, the others are written all the same.
   */
  async addComments(comments: readonly NewComment[]): Promise<void> {
    if (comments.length === 0) return;
    await insertEachOnce(
      documentsOf<CommentDocument>(this.models.Comment),
      comments.map(({ id, ...comment }) => ({ _id: id, ...comment })),
    );
  }

  async comment(id: string): Promise<TicketComment | null> {
    const document = await this.models.Comment.findById(id).lean();
    if (!document) return null;
    const { _id, ...comment } = document;
    return { id: String(_id), ...comment } as unknown as TicketComment;
  }

  /**
   * One page of a ticket's comments, oldest first (comments of one instant by id), and how many there
   * are in all: the Conversation view reads a page at a time, whatever the length of the ticket.
   */
  async commentsPage(
    ticketNumber: number,
    options: { skip: number; limit: number; kinds?: readonly CommentKind[] },
  ): Promise<{ comments: TicketComment[]; total: number }> {
    const filter: FilterQuery<TicketComment> = { ticketNumber };
    if (options.kinds) filter.kind = { $in: [...options.kinds] };
    const [documents, total] = await Promise.all([
      options.limit > 0
        ? this.models.Comment.find(filter).sort({ createdAt: 1, _id: 1 }).skip(options.skip).limit(options.limit).lean()
        : Promise.resolve([]),
      this.models.Comment.countDocuments(filter),
    ]);
    return {
      comments: documents.map(({ _id, ...comment }) => ({ id: String(_id), ...comment }) as unknown as TicketComment),
      total,
    };
  }

  async comments(
    ticketNumber: number,
    options: { last?: number; kinds?: readonly CommentKind[] } = {},
  ): Promise<TicketComment[]> {
    const filter: FilterQuery<TicketComment> = { ticketNumber };
    if (options.kinds) filter.kind = { $in: [...options.kinds] };
    let query = this.models.Comment.find(filter).sort({ createdAt: options.last ? -1 : 1, _id: options.last ? -1 : 1 });
    if (options.last) query = query.limit(options.last);
    const documents = await query.lean();
    const comments = documents.map(
      ({ _id, ...comment }) => ({ id: String(_id), ...comment }) as unknown as TicketComment,
    );
    return options.last ? comments.reverse() : comments;
  }
}
