import { setTimeout as sleep } from 'node:timers/promises';
import { type Connection, type Model, Schema } from 'mongoose';
import { documentsOf, insertOnce } from './documents.js';

/**
 * Idempotency keys of API requests that file tickets. A key is claimed first, with no number; the
 * request that claimed it then takes the next ticket number and writes it on the claim, so a burst
 * of retries uses one number, not one each. A retry files the same ticket, even when the first
 * attempt died between taking the number and filing the ticket; a claim left without a number by an
 * attempt that died earlier still is taken over, once it is old enough not to be in progress.
 */
interface ApiRequestDocument {
  _id: string;
  fingerprint: string;
  ticketNumber: number | null;
  createdAt: Date;
}

export type ApiRequestClaim =
  | { kind: 'claimed'; ticketNumber: number }
  | { kind: 'repeat'; ticketNumber: number }
  | { kind: 'conflict'; ticketNumber: number | null };

const apiRequestSchema = new Schema<ApiRequestDocument>(
  {
    _id: String,
    fingerprint: { type: String, required: true },
    ticketNumber: { type: Number, default: null },
    createdAt: { type: Date, required: true },
  },
  { collection: 'api_requests', versionKey: false },
);
apiRequestSchema.index({ createdAt: 1 });

/** A claim without a number younger than this is another request in progress: waited for, not taken over. */
const IN_PROGRESS_MS = 30_000;
const NUMBER_WAIT_STEP_MS = 20;
const NUMBER_WAIT_MS = 5_000;

export class ApiRequestStore {
  private readonly model: Model<ApiRequestDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<ApiRequestDocument>('ApiRequest', apiRequestSchema);
  }

  /**
   * `key` is the caller's idempotency key (scoped by API key name); `fingerprint` says what was asked.
   * The same key with another body is a conflict: the caller reused a key by mistake.
   */
  async claim(
    key: string,
    fingerprint: string,
    reserveNumber: () => Promise<number>,
    now: Date,
  ): Promise<ApiRequestClaim> {
    let earlier = await this.model.findById(key).lean<ApiRequestDocument>();
    if (!earlier) {
      if (
        await insertOnce(documentsOf<ApiRequestDocument>(this.model), {
          _id: key,
          fingerprint,
          ticketNumber: null,
          createdAt: now,
        })
      ) {
        return { kind: 'claimed', ticketNumber: await this.numberClaim(key, reserveNumber) };
      }
      // A concurrent retry claimed it first.
      earlier = (await this.model.findById(key).lean<ApiRequestDocument>())!;
    }
    if (earlier.fingerprint !== fingerprint) return { kind: 'conflict', ticketNumber: earlier.ticketNumber };
    if (earlier.ticketNumber !== null) return { kind: 'repeat', ticketNumber: earlier.ticketNumber };
    // Claimed by a request still taking its number (wait for it), or by one that died before (take it over).
    const since = now.getTime() - new Date(earlier.createdAt).getTime();
    if (since >= IN_PROGRESS_MS) return { kind: 'claimed', ticketNumber: await this.numberClaim(key, reserveNumber) };
    for (let waited = 0; waited < NUMBER_WAIT_MS; waited += NUMBER_WAIT_STEP_MS) {
      await sleep(NUMBER_WAIT_STEP_MS);
      const current = await this.model.findById(key).lean<ApiRequestDocument>();
      if (current?.ticketNumber != null) return { kind: 'repeat', ticketNumber: current.ticketNumber };
    }
    return { kind: 'claimed', ticketNumber: await this.numberClaim(key, reserveNumber) };
  }

  /** Takes a number for a claim without one; when another request numbered it meanwhile, its number. */
  private async numberClaim(key: string, reserveNumber: () => Promise<number>): Promise<number> {
    const number = await reserveNumber();
    const set = await this.model.updateOne({ _id: key, ticketNumber: null }, { $set: { ticketNumber: number } });
    if (set.modifiedCount === 1) return number;
    // Numbered by the request it was taken over from: that number, and this one is a gap.
    return (await this.model.findById(key).lean<ApiRequestDocument>())!.ticketNumber!;
  }

  /** For a sweeping job: idempotency keys are kept for days, not forever (bridges retry within minutes). */
  async forgetOlderThan(cutoff: Date, limit = 1000): Promise<number> {
    const old = await this.model
      .find({ createdAt: { $lt: cutoff } }, { _id: 1 })
      .limit(limit)
      .lean();
    if (old.length === 0) return 0;
    return (await this.model.deleteMany({ _id: { $in: old.map((entry) => entry._id) } })).deletedCount;
  }
}
