import mongoose from 'mongoose';
import type { TestProject } from 'vitest/node';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../../src/store/embedded.js';
import type { ConditionalWrites } from '../../src/store/tickets.js';
import { compileProcessScripts, type ProcessScript } from './compiled-scripts.js';
import { type Dovecot, startDovecot } from './dovecot.js';

/**
 * One real MongoDB-protocol server for the whole run (MONGODB_URI when given, else the embedded one);
 * every test file opens its own database on it. A test that needs the database never skips: when no
 * server can be started, the run fails here.
 */
let embedded: EmbeddedDatabase | undefined;
/** The IMAP server the email tests read (test/support/dovecot.ts): one for the run, a mailbox user per test file. */
let dovecot: Dovecot | undefined;

export async function setup(project: TestProject): Promise<void> {
  const compiling = compileProcessScripts();
  let uri = process.env.MONGODB_URI;
  if (!uri) {
    embedded = await startEmbeddedDatabase({ log: (line) => console.log(`[tests] ${line}`) });
    uri = embedded.uri;
  }
  project.provide('mongodbUri', uri);
  project.provide('conditionalWriteModes', await conditionalWriteModesOf(uri));
  dovecot = await startDovecot();
  project.provide('imapServer', {
    host: dovecot.host,
    port: dovecot.port,
    passwdDir: dovecot.passwdDir,
    mailRoot: dovecot.mailRoot,
  });
  project.provide('processScripts', await compiling);
}

export async function teardown(): Promise<void> {
  await dovecot?.stop();
  await embedded?.stop();
}

/**
 * The branches of a conditional change this server can run (see ConditionalWrites): FerretDB v1 both,
 * under the write guard; MongoDB only its own, one findOneAndUpdate with the precondition in the filter.
 */
async function conditionalWriteModesOf(uri: string): Promise<ConditionalWrites[]> {
  const client = await mongoose.mongo.MongoClient.connect(uri, { serverSelectionTimeoutMS: 10_000 });
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    return typeof info.ferretdbVersion === 'string' && info.ferretdbVersion.startsWith('v1.')
      ? ['read-check-write', 'in-filter']
      : ['in-filter'];
  } finally {
    await client.close();
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    mongodbUri: string;
    conditionalWriteModes: ConditionalWrites[];
    imapServer: { host: string; port: number; passwdDir: string; mailRoot: string };
    /** Where the scripts tests spawn as processes were compiled to (see compiled-scripts.ts). */
    processScripts: Record<ProcessScript, string>;
  }
}
