import { Schema } from 'mongoose';
import type { NewTicketEvent } from '../tickets/types.js';

/** An event as the `events` collection holds it (and a ticket's outbox, without its ticket number). */
export type EventDocument = NewTicketEvent & { _id: string; ticketNumber: number };

export const actorSchema = new Schema({ kind: String, id: String, name: String }, { _id: false });

export const eventFields = {
  actor: { type: actorSchema, required: true },
  action: { type: String, required: true },
  from: Schema.Types.Mixed,
  to: Schema.Types.Mixed,
  note: String,
  /** The auto-close's note, written with the event's history (TicketStore.recordHistory). */
  closingNote: Schema.Types.Mixed,
  at: { type: Date, required: true },
};

export const eventSchema = new Schema(
  { _id: String, ticketNumber: { type: Number, required: true }, ...eventFields },
  { collection: 'events', versionKey: false },
);
// A ticket's history in order (events of one instant by id); its events of some kinds (first replies, ratings).
eventSchema.index({ ticketNumber: 1, at: 1, _id: 1 });
eventSchema.index({ ticketNumber: 1, action: 1, at: 1, _id: 1 });
eventSchema.index({ action: 1, at: 1, _id: 1 });
