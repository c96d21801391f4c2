import { Schema, type Connection, type Model } from 'mongoose';
import { documentsOf, insertOnce } from './documents.js';

/**
 * Idempotency keys of API requests that file tickets. A key is claimed once, together with the
 * ticket number reserved for it, so a retried request (a bridge that timed out) files the same
 * ticket, even when the first attempt died between the claim and the write.
 */
interface ApiRequestDocument {
  _id: string;
  fingerprint: string;
  ticketNumber: number;
  createdAt: Date;
}

export type ApiRequestClaim =
  | { kind: 'claimed'; ticketNumber: number }
  | { kind: 'repeat'; ticketNumber: number }
  | { kind: 'conflict'; ticketNumber: number };

const apiRequestSchema = new Schema<ApiRequestDocument>(
  {
    _id: String,
    fingerprint: { type: String, required: true },
    ticketNumber: { type: Number, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'api_requests', versionKey: false },
);
apiRequestSchema.index({ createdAt: 1 });

export class ApiRequestStore {
  private readonly model: Model<ApiRequestDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<ApiRequestDocument>('ApiRequest', apiRequestSchema);
  }

  /**
   * `key` is the caller's idempotency key (scoped by API key name); `fingerprint` says what was asked.
   * The same key with another body is a conflict: the caller reused a key by mistake.
   */
  async claim(key: string, fingerprint: string, reserveNumber: () => Promise<number>, now: Date): Promise<ApiRequestClaim> {
    const earlier = await this.model.findById(key).lean();
    if (earlier) return answerFor(earlier, fingerprint);
    const ticketNumber = await reserveNumber();
    if (await insertOnce(documentsOf<ApiRequestDocument>(this.model), { _id: key, fingerprint, ticketNumber, createdAt: now })) return { kind: 'claimed', ticketNumber };
    // A concurrent retry claimed it first; the number we reserved is left unused (a gap, not a double).
    return answerFor((await this.model.findById(key).lean())!, fingerprint);
  }

  /** For a sweeping job: idempotency keys are kept for days, not forever (bridges retry within minutes). */
  async forgetOlderThan(cutoff: Date, limit = 1000): Promise<number> {
    const old = await this.model.find({ createdAt: { $lt: cutoff } }, { _id: 1 }).limit(limit).lean();
    if (old.length === 0) return 0;
    return (await this.model.deleteMany({ _id: { $in: old.map((entry) => entry._id) } })).deletedCount;
  }
}

function answerFor(claim: ApiRequestDocument, fingerprint: string): ApiRequestClaim {
  return claim.fingerprint === fingerprint ? { kind: 'repeat', ticketNumber: claim.ticketNumber } : { kind: 'conflict', ticketNumber: claim.ticketNumber };
}
