import { hostname } from 'node:os';
import { type Connection, type Model, Schema } from 'mongoose';

/**
 * The deskbolt processes using this database, each checking in now and then. Kept only on FerretDB
 * v1, whose writes are not atomic across processes (write-guard.ts serializes them inside one
 * process only): a second process there is unsafe, and the operator must hear of it plainly.
 */
export interface ReplicaSeen {
  id: string;
  host: string;
  pid: number;
  seenAt: Date;
}

type ReplicaDocument = Omit<ReplicaSeen, 'id'> & { _id: string };

const replicaSchema = new Schema<ReplicaDocument>(
  {
    _id: String,
    host: { type: String, required: true },
    pid: { type: Number, required: true },
    seenAt: { type: Date, required: true },
  },
  { collection: 'replicas', versionKey: false },
);
replicaSchema.index({ seenAt: 1 });

/** How often a process checks in; one not seen for three of these is taken as gone. */
export const CHECK_IN_EVERY_MS = 30_000;

export class ReplicaRegistry {
  private readonly model: Model<ReplicaDocument>;
  /** Several stores in one process share its write guard, so they count as one replica. */
  readonly me = `${hostname()}:${process.pid}`;
  private timer: NodeJS.Timeout | undefined;

  constructor(connection: Connection) {
    this.model = connection.model<ReplicaDocument>('Replica', replicaSchema);
  }

  /** Checks in (and keeps doing so until stop); answers the other processes seen lately. Wall-clock time: this is about processes, not the desk. */
  async start(): Promise<ReplicaSeen[]> {
    await this.checkIn();
    this.timer ??= setInterval(() => void this.checkIn().catch(() => undefined), CHECK_IN_EVERY_MS).unref();
    const documents = await this.model
      .find({ seenAt: { $gte: new Date(Date.now() - 3 * CHECK_IN_EVERY_MS) } })
      .lean<ReplicaDocument[]>();
    return documents
      .filter(
        (document) => document._id !== this.me && !(document.host === hostname() && !processIsAlive(document.pid)),
      )
      .map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async checkIn(): Promise<void> {
    await this.model.updateOne(
      { _id: this.me },
      { $set: { host: hostname(), pid: process.pid, seenAt: new Date() } },
      { upsert: true },
    );
  }
}

/** The log line a second process on one FerretDB gets: what goes wrong, and what to do instead. */
export function unsafeReplicasWarning(others: readonly ReplicaSeen[]): string {
  const list = others.map((other) => `${other.host} process ${other.pid}`).join(', ');
  return (
    `database: UNSAFE: another deskbolt (${list}) is using this FerretDB. FerretDB v1's writes are not atomic ` +
    'across processes, so two replicas can both take one ticket or announce one SLA warning twice. Run one ' +
    'deskbolt per FerretDB, or point every replica at MongoDB (MONGODB_URI).'
  );
}

/** A process of this host that died (killed, restarted) has not stopped checking in: it is not another replica. */
function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
