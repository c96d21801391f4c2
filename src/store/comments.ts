import { Schema } from 'mongoose';
import type { TicketComment } from '../tickets/types.js';
import { actorSchema } from './events.js';

/** A comment as stored: what the desk adds beside it (a relayed message's place) stays with it. */
export type CommentDocument = Omit<TicketComment, 'id'> & { _id: string } & Record<string, unknown>;

export const commentSchema = new Schema(
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
