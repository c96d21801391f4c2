import { Schema } from 'mongoose';
import { isDuplicateKey } from './documents.js';
import type { Models } from './models.js';

export const jobLeaseSchema = new Schema(
  { _id: String, owner: { type: String, default: null }, expiresAt: { type: Date, default: null }, lastRunAt: Date },
  { collection: 'job_leases', versionKey: false },
);

/**
 * One lease document per job: the replica that holds it runs the job, the others skip the tick.
 * A replica that dies while holding it loses it when it expires, and the next tick finishes the work.
 */
export class LeaseStore {
  constructor(private readonly models: Models) {}

  /**
   * Takes the lease when nobody holds it or the holder's time ran out, in one atomic update. The
   * first run ever inserts the document (upsert); when two replicas race that insert, the unique
   * _id lets one in and the other's duplicate key means it did not get the lease.
   */
  async acquire(job: string, owner: string, now: Date, holdMs: number): Promise<boolean> {
    try {
      const lease = await this.models.JobLease.findOneAndUpdate(
        { _id: job, $or: [{ owner: null }, { expiresAt: { $lte: now } }] },
        { $set: { owner, expiresAt: new Date(now.getTime() + holdMs), lastRunAt: now } },
        { upsert: true, new: true, lean: true },
      );
      return lease?.owner === owner;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** A long run extends its lease between batches; false means it was lost (expired and taken) and the run stops. */
  async renew(job: string, owner: string, now: Date, holdMs: number): Promise<boolean> {
    const result = await this.models.JobLease.updateOne(
      { _id: job, owner, expiresAt: { $gt: now } },
      { $set: { expiresAt: new Date(now.getTime() + holdMs) } },
    );
    return result.matchedCount === 1;
  }

  /** Only the holder can release: a replica whose lease expired and was taken must not free the new holder's. */
  async release(job: string, owner: string): Promise<void> {
    await this.models.JobLease.updateOne({ _id: job, owner }, { $set: { owner: null, expiresAt: null } });
  }

  async holder(job: string): Promise<{ owner: string | null; expiresAt: Date | null } | null> {
    const lease = await this.models.JobLease.findById(job).lean();
    return lease ? { owner: lease.owner ?? null, expiresAt: lease.expiresAt ?? null } : null;
  }
}
