import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { MongoClient } from 'mongodb';
import mongoose from 'mongoose';
import { acceptsConnections, DataDirInUseError, lockHolder } from './data-dir-lock.js';
import { EMBEDDED_DATABASE, type EmbeddedDatabase, startEmbeddedDatabase } from './embedded.js';

/**
 * The database `npm start` uses, for a tool run beside it (backup, restore): MONGODB_URI when set
 * (its own database name), else the embedded server of DATA_DIR (./data), started as `npm start`
 * starts it, so a clean clone works the same way. One process per data directory (its lock): when a
 * deskbolt runs there, a backup reads through that deskbolt's own server, and a restore is refused.
 */
export interface ToolDatabase {
  client: MongoClient;
  /** undefined: the one MONGODB_URI names. */
  dbName: string | undefined;
  /** Where it is, for the operator's log (no password). */
  where: string;
  close(): Promise<void>;
}

export class ToolDatabaseRefusal extends Error {
  override name = 'ToolDatabaseRefusal';
}

export async function openToolDatabase(
  environment: Record<string, string | undefined>,
  purpose: 'backup' | 'restore',
  log: (line: string) => void,
): Promise<ToolDatabase> {
  const uri = environment.MONGODB_URI || undefined;
  if (uri) {
    const client = await new mongoose.mongo.MongoClient(uri).connect();
    return {
      client,
      dbName: undefined,
      where: `database ${client.db().databaseName} of MONGODB_URI (${uri.replace(/\/\/[^@/]*@/, '//***@')})`,
      close: () => client.close(),
    };
  }
  const dataDir = resolve(environment.DATA_DIR || './data');
  if (purpose === 'backup' && !existsSync(dataDir))
    throw new ToolDatabaseRefusal(
      `${dataDir} does not exist, so there is no desk to back up: run it where npm start runs, or set DATA_DIR (or MONGODB_URI)`,
    );
  let embedded: EmbeddedDatabase;
  try {
    embedded = await startEmbeddedDatabase({ dataDir, log });
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error;
    const holder = await lockHolder(dataDir);
    if (purpose === 'restore' || !holder?.server || !(await acceptsConnections(holder.server.port)))
      throw new ToolDatabaseRefusal(
        purpose === 'restore'
          ? `deskbolt is running on ${dataDir}${holder ? ` (process ${holder.ownerPid})` : ''}: stop it before a restore (a restore goes into an empty database, and a running desk writes to it)`
          : `${error.message}; its database server could not be reached either`,
      );
    const client = await new mongoose.mongo.MongoClient(`mongodb://127.0.0.1:${holder.server.port}/`).connect();
    log(
      `backup: deskbolt is running on ${dataDir} (process ${holder.ownerPid}): reading its ${holder.server.kind} on port ${holder.server.port} while it runs, each collection as one read (see docs/operations.md for a quiet backup)`,
    );
    return {
      client,
      dbName: EMBEDDED_DATABASE,
      where: `the running desk's embedded ${holder.server.kind} in ${dataDir}`,
      close: () => client.close(),
    };
  }
  try {
    const client = await new mongoose.mongo.MongoClient(embedded.uri).connect();
    return {
      client,
      dbName: EMBEDDED_DATABASE,
      where: `the embedded ${embedded.kind} in ${dataDir}`,
      async close() {
        await client.close();
        await embedded.stop();
      },
    };
  } catch (error) {
    await embedded.stop();
    throw error;
  }
}
