import { Schema } from 'mongoose';

/** Named counters (the next ticket number), each one document bumped by one atomic $inc. */
export const counterSchema = new Schema(
  { _id: String, seq: { type: Number, default: 0 } },
  { collection: 'counters', versionKey: false },
);
