import { randomUUID } from 'node:crypto';
import type { OptionalUnlessRequiredId } from 'mongodb';
import type { Model } from 'mongoose';
import { documentsOf, insertOnce, isDuplicateKey } from './documents.js';

/**
 * What every entry an admin manages from Slack carries beside its own fields: a version each change
 * raises (two admins editing at once: the second write names a version that is gone, and is refused),
 * a lower-cased name key (unique, so two alike are refused by the database, not by a racy check), and
 * who made and last changed it. Retired entries stay, readable, out of every picker.
 */
export interface VersionedEntry {
  id: string;
  nameKey: string;
  version: number;
  retired: boolean;
  createdBy: string;
  createdAt: Date;
  updatedBy: string;
  updatedAt: Date;
}

export type EntryDocument<E extends VersionedEntry> = Omit<E, 'id'> & { _id: string };

/** The fields an admin writes: the entry without its bookkeeping. */
export type EntryFields<E extends VersionedEntry> = Omit<E, keyof VersionedEntry>;

export type EntryChange<E extends VersionedEntry> =
  | { ok: true; entry: E }
  | { ok: false; why: 'name_taken' | 'changed_meanwhile' | 'missing'; current?: E };

/** How many entries a collection holds at most: more than a picker or a modal could show anyway. */
export const MANAGED_ENTRIES_MAX = 500;

/** The schema of VersionedEntry's bookkeeping, spread into each managed collection's schema beside its own fields. */
export const versionedEntrySchemaFields = {
  nameKey: { type: String, required: true },
  version: { type: Number, required: true },
  retired: { type: Boolean, default: false },
  createdBy: { type: String, required: true },
  createdAt: { type: Date, required: true },
  updatedBy: { type: String, required: true },
  updatedAt: { type: Date, required: true },
} as const;

export function nameKeyOf(name: string): string {
  return name.trim().toLowerCase();
}

/** The queries of a managed collection (macros, articles), written once. */
export class VersionedEntries<E extends VersionedEntry> {
  constructor(private readonly model: Model<EntryDocument<E>>) {}

  private toEntry({ _id, ...rest }: EntryDocument<E>): E {
    return { id: _id, ...rest } as unknown as E;
  }

  async all(): Promise<E[]> {
    const documents = await this.model
      .find({})
      .sort({ nameKey: 1 })
      .limit(MANAGED_ENTRIES_MAX)
      .lean<EntryDocument<E>[]>();
    return documents.map((document) => this.toEntry(document));
  }

  async get(id: string): Promise<E | null> {
    const document = await this.model.findById(id).lean<EntryDocument<E>>();
    return document ? this.toEntry(document) : null;
  }

  /** False when the name (ignoring case) is another entry's already, retired ones included. */
  async create(fields: EntryFields<E>, name: string, by: string, at: Date): Promise<EntryChange<E>> {
    const document = {
      _id: randomUUID(),
      ...fields,
      nameKey: nameKeyOf(name),
      version: 1,
      retired: false,
      createdBy: by,
      createdAt: at,
      updatedBy: by,
      updatedAt: at,
    } as EntryDocument<E>;
    if (
      !(await insertOnce(
        documentsOf<EntryDocument<E>>(this.model),
        document as OptionalUnlessRequiredId<EntryDocument<E>>,
      ))
    )
      return { ok: false, why: 'name_taken' };
    return { ok: true, entry: this.toEntry(document) };
  }

  /** One conditional write on the version the admin saw: a change made meanwhile wins, and this one is refused. */
  async change(
    id: string,
    seenVersion: number,
    changes: Partial<EntryFields<E>> & { retired?: boolean },
    name: string | undefined,
    by: string,
    at: Date,
  ): Promise<EntryChange<E>> {
    const set: Record<string, unknown> = { updatedBy: by, updatedAt: at };
    // A field given as undefined is cleared (mongoose would drop it from $set and keep the old value).
    const unset: Record<string, ''> = {};
    for (const [field, value] of Object.entries(changes)) {
      if (value === undefined) unset[field] = '';
      else set[field] = value;
    }
    if (name !== undefined) set.nameKey = nameKeyOf(name);
    try {
      const document = await this.model
        .findOneAndUpdate(
          { _id: id, version: seenVersion, retired: false },
          { $set: set, ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}), $inc: { version: 1 } },
          { new: true },
        )
        .lean<EntryDocument<E>>();
      if (document) return { ok: true, entry: this.toEntry(document) };
    } catch (error) {
      if (isDuplicateKey(error)) return { ok: false, why: 'name_taken' };
      throw error;
    }
    const current = await this.get(id);
    return current ? { ok: false, why: 'changed_meanwhile', current } : { ok: false, why: 'missing' };
  }
}
