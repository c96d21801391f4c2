import { AsyncLocalStorage } from 'node:async_hooks';
import mongoose from 'mongoose';

type Document = mongoose.mongo.Document;

/**
 * FerretDB v1 runs findAndModify and update as "read in Go, write the whole document back", so two
 * connections' writes interleave: two conditional takes can both win and concurrent $inc lose counts.
 * MongoDB makes each single-document command atomic and deskbolt is written for that; when the server
 * is the embedded FerretDB, this guard lets one write command at a time reach it. It wraps the
 * driver's Collection prototype, so every write of every connection in this process (mongoose models,
 * raw collections, several app instances) passes through one queue. Reads are untouched, and so is
 * interleaving between commands: a read-then-write in two round trips still races, as it should.
 */
const WRITE_METHODS = [
  'insertOne',
  'insertMany',
  'updateOne',
  'updateMany',
  'replaceOne',
  'deleteOne',
  'deleteMany',
  'findOneAndUpdate',
  'findOneAndReplace',
  'findOneAndDelete',
  'bulkWrite',
] as const;

let installed = false;
/** The driver's own insertOne, kept when the guard wraps it, for inserts that need no queue. */
let unguardedInsertOne: ((...args: unknown[]) => unknown) | undefined;
let tail: Promise<unknown> = Promise.resolve();
/** Set while a guarded write runs. */
const insideGuardedWrite = new AsyncLocalStorage<true>();

function oneAtATime<T>(write: () => Promise<T>): Promise<T> {
  const run = () => insideGuardedWrite.run(true, write);
  const result = tail.then(run, run);
  tail = result.catch(() => undefined);
  return result;
}

export function serializeWritesInThisProcess(): void {
  if (installed) return;
  installed = true;
  const prototype = mongoose.mongo.Collection.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of WRITE_METHODS) {
    const original = prototype[method];
    if (typeof original !== 'function') continue;
    if (method === 'insertOne') unguardedInsertOne = original;
    prototype[method] = function guardedWrite(this: unknown, ...args: unknown[]) {
      // The driver builds some writes on others (insertMany calls this.bulkWrite): a write made inside
      // a guarded one is part of it, and queueing it behind its own caller would wait forever.
      if (insideGuardedWrite.getStore()) return original.apply(this, args);
      return oneAtATime(() => Promise.resolve(original.apply(this, args)));
    };
  }
}

/**
 * Inserts a document whose only precondition is "no document with this key yet": the unique index
 * decides, and FerretDB enforces unique indexes in its backend (SQLite, PostgreSQL) atomically, so
 * this needs no place in the write queue. That keeps the acknowledgement's write (a request id, a seen
 * event id) fast however many conditional updates wait in the queue around it.
 */
export function insertRelyingOnUniqueIndex(
  model: { collection: mongoose.Collection },
  document: Document,
): Promise<unknown> {
  // mongoose's collection wraps the driver's; before the connection opens it buffers, and then the
  // ordinary (guarded) path is the only one there is.
  const driverCollection: unknown = (model.collection as unknown as { collection?: unknown }).collection;
  if (!unguardedInsertOne || !(driverCollection instanceof mongoose.mongo.Collection))
    return model.collection.insertOne(document);
  return Promise.resolve(unguardedInsertOne.call(driverCollection, document));
}

/**
 * Runs a read-check-write sequence with no other write of this process in between: how the store
 * makes a conditional update cheap on FerretDB, which answers only an exact {_id} filter from an
 * index. Without the guard installed (MongoDB) it just runs the work; callers use single atomic
 * commands there instead.
 */
export function exclusively<T>(work: () => Promise<T>): Promise<T> {
  if (!installed || insideGuardedWrite.getStore()) return work();
  return oneAtATime(work);
}

export function writesAreSerialized(): boolean {
  return installed;
}
