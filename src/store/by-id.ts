import type { FilterQuery, Model, UpdateQuery } from 'mongoose';
import { matchesPrecondition } from './precondition-match.js';
import { exclusively, writesAreSerialized } from './write-guard.js';

/**
 * One conditional update of one document found by its _id, returning it as it is after (or null when
 * the condition no longer held). On MongoDB the condition is in the filter of one findOneAndUpdate,
 * atomic as ever. FerretDB v1 answers only an exact {_id} filter from an index and scans the whole
 * collection for anything more, so there the document is read by _id, checked with MongoDB's
 * semantics, and written back by _id while the write guard keeps every other write out in between.
 */
export async function updateById<T>(
  model: Model<T>,
  id: string,
  condition: Record<string, unknown>,
  update: UpdateQuery<T>,
): Promise<T | null> {
  const byId: FilterQuery<T> = { _id: id };
  if (!writesAreSerialized()) {
    return (await model.findOneAndUpdate({ ...condition, ...byId }, update, { new: true, lean: true })) as T | null;
  }
  return exclusively(async () => {
    const current = await model.findOne(byId).lean();
    if (!current || !matchesPrecondition(current, condition)) return null;
    return (await model.findOneAndUpdate(byId, update, { new: true, lean: true })) as T | null;
  });
}
