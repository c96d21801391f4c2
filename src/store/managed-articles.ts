import { type Connection, Schema } from 'mongoose';
import {
  type EntryDocument,
  VersionedEntries,
  type VersionedEntry,
  versionedEntrySchemaFields,
} from './versioned-entries.js';

/** A knowledge-base article an admin added in Slack (`/ticket admin articles`), offered beside the file's. */
export interface ManagedArticle extends VersionedEntry {
  title: string;
  url: string;
  keywords: string[];
  summary?: string;
}

const managedArticleSchema = new Schema(
  {
    _id: String,
    title: { type: String, required: true },
    url: { type: String, required: true },
    keywords: { type: [String], default: [] },
    summary: String,
    ...versionedEntrySchemaFields,
  },
  { collection: 'managed_articles', versionKey: false },
);
managedArticleSchema.index({ nameKey: 1 }, { unique: true });

export class ManagedArticleStore extends VersionedEntries<ManagedArticle> {
  constructor(connection: Connection) {
    super(connection.model<EntryDocument<ManagedArticle>>('ManagedArticle', managedArticleSchema));
  }
}
