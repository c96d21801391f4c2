import { type Connection, Schema } from 'mongoose';
import type { NewTicketEvent, TicketComment } from '../tickets/types.js';

/** An event as the `events` collection holds it (and a ticket's outbox, without its ticket number). */
export type EventDocument = NewTicketEvent & { _id: string; ticketNumber: number };
/** A comment as stored: what the desk adds beside it (a relayed message's place) stays with it. */
export type CommentDocument = Omit<TicketComment, 'id'> & { _id: string } & Record<string, unknown>;

/**
 * Mongoose schemas, each with the indexes its queries need. Every unbounded list (comments, events)
 * is a collection of its own, never an array that grows inside a ticket.
 */
const actorSchema = new Schema({ kind: String, id: String, name: String }, { _id: false });

const eventFields = {
  actor: { type: actorSchema, required: true },
  action: { type: String, required: true },
  from: Schema.Types.Mixed,
  to: Schema.Types.Mixed,
  note: String,
  at: { type: Date, required: true },
};

const ticketSchema = new Schema(
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
ticketSchema.index({ assignee: 1, status: 1, updatedAt: -1 });
// An agent's tickets still to do, longest waiting first.
ticketSchema.index({ assignee: 1, status: 1, createdAt: 1, number: 1 });
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

const eventSchema = new Schema(
  { _id: String, ticketNumber: { type: Number, required: true }, ...eventFields },
  { collection: 'events', versionKey: false },
);
// A ticket's history in order (events of one instant by id); its events of some kinds (first replies, ratings).
eventSchema.index({ ticketNumber: 1, at: 1, _id: 1 });
eventSchema.index({ ticketNumber: 1, action: 1, at: 1, _id: 1 });
eventSchema.index({ action: 1, at: 1, _id: 1 });

const commentSchema = new Schema(
  {
    // A string id: made before the write (from a Slack message or idempotency key) so repeats are recognised.
    _id: String,
    ticketNumber: { type: Number, required: true },
    kind: { type: String, required: true },
    author: { type: actorSchema, required: true },
    text: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'comments', versionKey: false, strict: false },
);
// A ticket's comments in order, all or of some kinds (comments of one instant by id).
commentSchema.index({ ticketNumber: 1, createdAt: 1, _id: 1 });
commentSchema.index({ ticketNumber: 1, kind: 1, createdAt: 1, _id: 1 });

const counterSchema = new Schema(
  { _id: String, seq: { type: Number, default: 0 } },
  { collection: 'counters', versionKey: false },
);

const seenIdSchema = new Schema(
  { _id: String, expiresAt: { type: Date, required: true } },
  { collection: 'seen_ids', versionKey: false },
);
// Its expiresAt index is built by Store: a TTL index on MongoDB, a plain one on FerretDB.

const jobLeaseSchema = new Schema(
  { _id: String, owner: { type: String, default: null }, expiresAt: { type: Date, default: null }, lastRunAt: Date },
  { collection: 'job_leases', versionKey: false },
);

export function registerModels(connection: Connection) {
  return {
    Ticket: connection.model('Ticket', ticketSchema),
    Event: connection.model('Event', eventSchema),
    Comment: connection.model('Comment', commentSchema),
    Counter: connection.model('Counter', counterSchema),
    SeenId: connection.model('SeenId', seenIdSchema),
    JobLease: connection.model('JobLease', jobLeaseSchema),
  };
}

export type Models = ReturnType<typeof registerModels>;
