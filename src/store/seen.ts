import { Schema } from 'mongoose';
import { isDuplicateKey } from './documents.js';
import type { Models } from './models.js';
import { insertRelyingOnUniqueIndex } from './write-guard.js';

export const seenIdSchema = new Schema(
  { _id: String, expiresAt: { type: Date, required: true } },
  { collection: 'seen_ids', versionKey: false },
);
// Its expiresAt index is built by Store: a TTL index on MongoDB, a plain one on FerretDB.

/**
 * Slack delivers events at least once and people double-click: each event or action id is remembered
 * for a while, and only its first delivery is acted on.
 */
export class SeenIdStore {
  constructor(private readonly models: Models) {}

  /** True the first time an id is seen; false for every repeat while it is remembered. */
  async firstTime(id: string, now: Date, rememberMs: number): Promise<boolean> {
    try {
      await insertRelyingOnUniqueIndex(this.models.SeenId, {
        _id: id,
        expiresAt: new Date(now.getTime() + rememberMs),
      });
      return true;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // A replay is refused by a read by _id, so it never waits in the write queue either.
      const remembered = await this.models.SeenId.findById(id, { expiresAt: 1 }).lean();
      if (remembered && remembered.expiresAt > now) return false;
      // Remembered but expired (the sweep has not run yet): take it over atomically.
      const renewed = await this.models.SeenId.findOneAndUpdate(
        { _id: id, expiresAt: { $lte: now } },
        { $set: { expiresAt: new Date(now.getTime() + rememberMs) } },
        { new: true, lean: true },
      );
      return renewed !== null;
    }
  }

  /** Forgets an id at once, so the next attempt counts as the first (a send that failed may be tried again). */
  async forget(id: string): Promise<void> {
    await this.models.SeenId.deleteOne({ _id: id });
  }

  /** FerretDB has no TTL indexes, so expiry is also a job; on MongoDB the TTL index does the same. */
  async forgetExpired(now: Date, limit = 1000): Promise<number> {
    const expired = await this.models.SeenId.find({ expiresAt: { $lte: now } }, { _id: 1 })
      .limit(limit)
      .lean();
    if (expired.length === 0) return 0;
    const result = await this.models.SeenId.deleteMany({
      _id: { $in: expired.map((entry) => entry._id) },
      expiresAt: { $lte: now },
    });
    return result.deletedCount;
  }
}
