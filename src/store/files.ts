import { createHash } from 'node:crypto';
import mongoose, { type Connection, type Model, Schema } from 'mongoose';
import { documentsOf, insertOnce } from './documents.js';

/**
 * A file that belongs to a ticket's comment. Files shared in Slack stay there: only their id and
 * permalink are kept. Files deskbolt must keep itself (email attachments, REST uploads, an agent's
 * reply files) have their bytes in GridFS (`files_bytes.files` / `files_bytes.chunks`), and this
 * document points at them. One collection of our own (rather than GridFS's `metadata`) so a ticket's
 * files are one indexed read, and a Slack file and a stored one list alike.
 */
export interface TicketFile {
  /** `<commentId>:<n>`: a retry of the same comment's files writes the same ids, so nothing doubles. */
  id: string;
  ticketNumber: number;
  commentId: string;
  /** As its sender named it, raw (never trusted for a path or a type). */
  name: string;
  size: number;
  /** Sniffed from the bytes for stored files; Slack's own for Slack files. */
  contentType: string;
  /** Hex sha256 of the bytes; null for a file that lives in Slack. */
  sha256: string | null;
  /** Internal notes' files are never shown to the requester. */
  visibility: 'public' | 'internal';
  addedBy: { kind: string; id: string };
  addedAt: Date;
  stored: { bucketId: string } | null;
  slack: { fileId: string; permalink: string } | null;
  /** Set once the file was uploaded into the requester's Slack thread (an agent's reply file). */
  deliveredToSlack?: { fileId: string } | null;
}

interface FileDocument extends Omit<TicketFile, 'id'> {
  _id: string;
}

const fileSchema = new Schema<FileDocument>(
  {
    _id: String,
    ticketNumber: { type: Number, required: true },
    commentId: { type: String, required: true },
    name: { type: String, required: true },
    size: { type: Number, required: true },
    contentType: { type: String, required: true },
    sha256: { type: String, default: null },
    visibility: { type: String, required: true },
    addedBy: { type: Schema.Types.Mixed, required: true },
    addedAt: { type: Date, required: true },
    stored: { type: Schema.Types.Mixed, default: null },
    slack: { type: Schema.Types.Mixed, default: null },
    deliveredToSlack: { type: Schema.Types.Mixed, default: null },
  },
  { collection: 'ticket_files', versionKey: false },
);
fileSchema.index({ ticketNumber: 1, addedAt: 1, _id: 1 });
fileSchema.index({ commentId: 1, _id: 1 });

export const FILE_BUCKET = 'files_bytes';

function toFile({ _id, ...rest }: FileDocument): TicketFile {
  return { id: _id, ...rest };
}

export class FileStore {
  private readonly model: Model<FileDocument>;

  constructor(private readonly connection: Connection) {
    this.model = connection.model<FileDocument>('TicketFile', fileSchema);
  }

  private bucket(): mongoose.mongo.GridFSBucket {
    // 255 KB chunks (the driver's default) stay far below FerretDB's and MongoDB's 16 MB document limit.
    return new mongoose.mongo.GridFSBucket(this.connection.db!, { bucketName: FILE_BUCKET });
  }

  /**
   * The bytes into GridFS under an id made from the file's own id, so a retry after a crash finds
   * them there instead of storing a second copy. Returns their sha256.
   */
  async putBytes(fileId: string, name: string, contentType: string, bytes: Buffer): Promise<string> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const bucketId = `bytes:${fileId}`;
    const earlier = await this.connection
      .db!.collection<{ _id: string; length: number }>(`${FILE_BUCKET}.files`)
      .findOne({ _id: bucketId }, { projection: { _id: 1, length: 1 } });
    if (earlier && earlier.length === bytes.length) return sha256;
    // A half-written upload (chunks without their files document) is cleared first.
    if (!earlier) await this.connection.db!.collection(`${FILE_BUCKET}.chunks`).deleteMany({ files_id: bucketId });
    else await this.bucket().delete(gridFsId(bucketId));
    await new Promise<void>((resolve, reject) => {
      const upload = this.bucket().openUploadStreamWithId(gridFsId(bucketId), name, {
        metadata: { contentType, sha256 },
      });
      upload.once('error', reject);
      upload.once('finish', () => resolve());
      upload.end(bytes);
    });
    return sha256;
  }

  async readBytes(file: TicketFile): Promise<Buffer | null> {
    if (!file.stored) return null;
    const parts: Buffer[] = [];
    try {
      for await (const part of this.bucket().openDownloadStream(gridFsId(file.stored.bucketId)))
        parts.push(part as Buffer);
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return null;
      throw error;
    }
    return Buffer.concat(parts);
  }

  /** Remembers a file; a second write of the same id (a retry) leaves the first. */
  async add(file: TicketFile): Promise<void> {
    const { id, ...rest } = file;
    await insertOnce(documentsOf<FileDocument>(this.model), { _id: id, ...rest });
  }

  async get(id: string): Promise<TicketFile | null> {
    const document = await this.model.findById(id).lean<FileDocument>();
    return document ? toFile(document) : null;
  }

  async ofTicket(ticketNumber: number): Promise<TicketFile[]> {
    const documents = await this.model.find({ ticketNumber }).sort({ addedAt: 1, _id: 1 }).lean<FileDocument[]>();
    return documents.map(toFile);
  }

  async ofComment(commentId: string): Promise<TicketFile[]> {
    const documents = await this.model.find({ commentId }).sort({ _id: 1 }).lean<FileDocument[]>();
    return documents.map(toFile);
  }

  async markDeliveredToSlack(id: string, slackFileId: string): Promise<void> {
    await documentsOf<FileDocument>(this.model).updateOne(
      { _id: id },
      { $set: { deliveredToSlack: { fileId: slackFileId } } },
    );
  }

  /** A ticket's bytes (GridFS) first, then its records: a crash half-way leaves records a retry deletes again. */
  async deleteOfTicket(ticketNumber: number): Promise<number> {
    const files = await this.ofTicket(ticketNumber);
    for (const file of files) {
      if (!file.stored) continue;
      await this.bucket()
        .delete(gridFsId(file.stored.bucketId))
        .catch((error: unknown) => {
          // Already gone (an earlier, interrupted delete): only the record is left to remove.
          if (!/File not found/i.test(String((error as Error).message))) throw error;
        });
    }
    const deleted = await this.model.collection.deleteMany({ ticketNumber });
    return deleted.deletedCount;
  }
}

/**
 * GridFS takes any value as a file's _id (the GridFS spec's `id`), but the driver types it as an
 * ObjectId. deskbolt's ids are strings made from the file's own id, so a retried upload writes the
 * same file again instead of a second one: this is the one place that says so to the compiler.
 */
function gridFsId(id: string): mongoose.mongo.ObjectId {
  return id as unknown as mongoose.mongo.ObjectId;
}
