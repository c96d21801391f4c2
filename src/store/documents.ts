import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';
import mongoose, { type FilterQuery, type Model, Schema, type UpdateQuery } from 'mongoose';

/**
 * The idioms the stores share, written once: the driver's collection typed by what deskbolt stores in
 * it, an insert that keeps an id once, and a save that replaces by name within a per-owner limit.
 */

export function newId(): string {
  return new mongoose.Types.ObjectId().toHexString();
}

/** Duplicate key: a unique index said no (an id seen before, a number taken). */
export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: number }).code === 11000;
}

/** Where a message sits in Slack (a channel and a ts), as the documents that point at one keep it. */
export const slackRefSchema = new Schema({ channel: String, ts: String }, { _id: false });

/**
 * The driver's collection under a model, typed by the documents stored in it. Mongoose types a
 * model's raw collection for ObjectId `_id`s, and deskbolt's `_id`s are strings made before the write
 * (so a repeat is recognised): the driver's own `Collection<D>` says so, and checks every insert.
 */
export function documentsOf<D extends Document>(model: { collection: unknown }): Collection<D> {
  return model.collection as unknown as Collection<D>;
}

/** Inserts a document under its own `_id`: false when that id (or another unique key) is there already. */
export async function insertOnce<D extends Document>(
  collection: Collection<D>,
  document: OptionalUnlessRequiredId<D>,
): Promise<boolean> {
  try {
    await collection.insertOne(document);
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/**
 * Inserts documents under ids of their own, together: those already there (a repeat after a crash)
 * are left as they are, and the others are written all the same.
 */
export async function insertEachOnce<D extends Document>(
  collection: Collection<D>,
  documents: readonly OptionalUnlessRequiredId<D>[],
): Promise<void> {
  if (documents.length === 0) return;
  try {
    await collection.insertMany([...documents], { ordered: false });
  } catch (error) {
    if (!isDuplicateKey(error) && !everyWriteErrorIsDuplicate(error)) throw error;
  }
}

function everyWriteErrorIsDuplicate(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: { code?: number }[] }).writeErrors;
  return (
    Array.isArray(writeErrors) && writeErrors.length > 0 && writeErrors.every((writeError) => writeError.code === 11000)
  );
}

/** A per-owner counter document. */
export interface SlotCount {
  _id: string;
  count: number;
}

/**
 * How many of something each owner holds (an agent's personal macros, their chat shortcuts): one
 * counter document per owner, so a limit holds under concurrent adds without reading first.
 */
export class OwnerSlots {
  constructor(private readonly counts: Model<SlotCount>) {}

  /**
   * Takes a slot with one conditional update: at the limit the filter misses, the upsert collides
   * with the owner's existing counter on _id, and the claim is refused — so twenty-one claims at once
   * still stop at twenty.
   */
  async claim(owner: string, limit: number): Promise<boolean> {
    try {
      const taken = await this.counts.findOneAndUpdate(
        { _id: owner, count: { $lt: limit } },
        { $inc: { count: 1 } },
        { upsert: true, new: true, lean: true },
      );
      return taken !== null && taken.count <= limit;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Gives one back: after a failed insert, or when the thing it held is removed. */
  async giveBack(owner: string): Promise<void> {
    await this.counts.updateOne({ _id: owner }, { $inc: { count: -1 } });
  }
}

export type SaveOutcome = 'created' | 'replaced' | 'limit';

/**
 * Saves something an owner keeps by name: one they already have under the name is replaced; a new
 * one first claims a slot (refused at the limit). Two saves of one new name at once both claim, one
 * inserts, and the other gives its slot back and replaces what the first wrote.
 */
export async function insertOrReplace<D extends Document>(
  model: Model<D>,
  slots: OwnerSlots,
  save: {
    owner: string;
    limit: number;
    key: FilterQuery<D>;
    changes: UpdateQuery<D>;
    document: OptionalUnlessRequiredId<D>;
  },
): Promise<SaveOutcome> {
  const replaced = await model.updateOne(save.key, save.changes);
  if (replaced.matchedCount > 0) return 'replaced';
  if (!(await slots.claim(save.owner, save.limit))) return 'limit';
  let inserted: boolean;
  try {
    inserted = await insertOnce(documentsOf<D>(model), save.document);
  } catch (error) {
    await slots.giveBack(save.owner);
    throw error;
  }
  if (inserted) return 'created';
  await slots.giveBack(save.owner);
  await model.updateOne(save.key, save.changes);
  return 'replaced';
}
