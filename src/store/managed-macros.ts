import { type Connection, Schema } from 'mongoose';
import {
  type EntryDocument,
  VersionedEntries,
  type VersionedEntry,
  versionedEntrySchemaFields,
} from './versioned-entries.js';

/** A shared macro an admin made in Slack (`/ticket admin macros`), offered beside the workspace file's. */
export interface ManagedMacro extends VersionedEntry {
  name: string;
  text: string;
  public: boolean;
  status?: 'open' | 'pending' | 'solved';
}

const managedMacroSchema = new Schema(
  {
    _id: String,
    name: { type: String, required: true },
    text: { type: String, required: true },
    public: { type: Boolean, default: false },
    status: String,
    ...versionedEntrySchemaFields,
  },
  { collection: 'managed_macros', versionKey: false },
);
managedMacroSchema.index({ nameKey: 1 }, { unique: true });

export class ManagedMacroStore extends VersionedEntries<ManagedMacro> {
  constructor(connection: Connection) {
    super(connection.model<EntryDocument<ManagedMacro>>('ManagedMacro', managedMacroSchema));
  }
}
